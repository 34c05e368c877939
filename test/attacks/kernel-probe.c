// Native code trying the kernel surface the sandbox's seccomp filter denies. Built by
// test/integration/kernel-surface.test.ts with the host's cc and run inside a real sandbox
// (bound read-only from the host: user code cannot exec anything it writes). One line per
// probe: "<name> <result>", result = "ok" or the errno name.
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/personality.h>
#include <sys/ptrace.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/mount.h>
#include <unistd.h>
#include <linux/vm_sockets.h>

#ifndef AF_VSOCK
#define AF_VSOCK 40
#endif

static const char *name_of(int e) {
  switch (e) {
    case 0: return "ok";
    case EPERM: return "EPERM";
    case ENOSYS: return "ENOSYS";
    case EAFNOSUPPORT: return "EAFNOSUPPORT";
    case EACCES: return "EACCES";
    case EINVAL: return "EINVAL";
    case EFAULT: return "EFAULT";
    default: return strerror(e);
  }
}

static void report(const char *what, long rc) {
  printf("%s %s\n", what, rc < 0 ? name_of(errno) : "ok");
}

int main(void) {
  report("getpid", syscall(SYS_getpid));
  report("socket-unix", socket(AF_UNIX, SOCK_STREAM, 0));
  long vs = socket(AF_VSOCK, SOCK_STREAM, 0);
  report("socket-vsock", vs);
  if (vs >= 0) {
    struct sockaddr_vm addr = { .svm_family = AF_VSOCK, .svm_cid = VMADDR_CID_ANY, .svm_port = 4242 };
    report("bind-vsock", bind((int)vs, (struct sockaddr *)&addr, sizeof addr));
  }
  report("socket-netlink", socket(AF_NETLINK, SOCK_RAW, 0));
  report("socket-packet", socket(AF_PACKET, SOCK_RAW, 0));
  report("socket-inet", socket(AF_INET, SOCK_STREAM, 0));
  report("socket-inet6", socket(AF_INET6, SOCK_DGRAM, 0));
  int sv[2];
  report("socketpair-unix", socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
  char params[120] = {0};
  report("io_uring_setup", syscall(SYS_io_uring_setup, 1, params));
  report("userfaultfd", syscall(SYS_userfaultfd, 0));
  char attr[128] = {0};
  report("perf_event_open", syscall(SYS_perf_event_open, attr, 0, -1, -1, 0));
  report("bpf", syscall(SYS_bpf, 0, NULL, 0));
  report("keyctl", syscall(SYS_keyctl, 0, -3, 0));
  report("add_key", syscall(SYS_add_key, "user", "k", "v", 1, -3));
  report("ptrace", ptrace(PTRACE_TRACEME, 0, NULL, NULL));
  char buf[8];
  struct iovec local = { buf, sizeof buf }, remote = { buf, sizeof buf };
  report("process_vm_readv", syscall(SYS_process_vm_readv, getpid(), &local, 1, &remote, 1, 0));
  report("unshare-user", unshare(CLONE_NEWUSER));
  report("unshare-mount", unshare(CLONE_NEWNS));
  report("mount", mount("none", "/tmp", "tmpfs", 0, NULL));
  report("fsopen", syscall(SYS_fsopen, "tmpfs", 0));
  report("clone3", syscall(SYS_clone3, NULL, 0));
  report("personality-query", personality(0xffffffff));
  report("personality-no-aslr", personality(ADDR_NO_RANDOMIZE));
  report("kexec_load", syscall(SYS_kexec_load, 0, 0, NULL, 0));
  report("memfd_create", syscall(SYS_memfd_create, "x", 0));
#if defined(__x86_64__)
  report("x32-getpid", syscall(0x40000000 | SYS_getpid));
  // i386 getpid (20) through the 32-bit entry point: another ABI's numbers. In a child: a
  // kernel built or booted without IA-32 emulation answers `int $0x80` with SIGSEGV before any
  // filter sees it (refused too, only more bluntly).
  fflush(stdout);
  pid_t child = fork();
  if (child == 0) {
    long r;
    __asm__ volatile("int $0x80" : "=a"(r) : "a"(20) : "memory");
    printf("i386-getpid %s\n", r < 0 ? name_of((int)-r) : "ok");
    fflush(stdout);
    _exit(0);
  }
  int status = 0;
  waitpid(child, &status, 0);
  if (WIFSIGNALED(status)) printf("i386-getpid SIG%s\n", WTERMSIG(status) == SIGSEGV ? "SEGV" : "OTHER");
#endif
  return 0;
}

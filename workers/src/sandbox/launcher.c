// The sandbox launcher, native: forks every sandbox for its worker host, speaking the same
// protocol as launcher.cjs (read that file's header) over Node's IPC channel.
//
// Why native (issue 16): a fork() write-protects every private page of the forking process,
// and each page it then writes before the next fork takes a copy-on-write fault and a TLB
// shootdown. A Node launcher (V8's heap, its inline-cache tables, malloc arenas) paid ~11 ms
// of CPU per sandbox that way on the slow VM (perf: page faults, StubCache::Set, _int_free);
// this process touches a few pages between forks. launcher-client.ts builds it on first use
// and falls back to launcher.cjs when no C compiler is there.
//
// Requests come as JSON lines {"type":"spawn","id":N,"req":"<base64>"}; the base64 holds NUL
// terminated fields: uid ("" for none), cwd ("" for none), file, argc, args..., envc, env...,
// joinc, cgroup.procs files..., how they are joined ("gate" or "self"), the seccomp file ("" for
// none), rlimitc, rlimits ("nofile=N", "fsize=N", "core=N", "cpu=N") (native-launcher.ts:
// encodeSpawnRequest). "gate": as launcher.cjs, this process writes the child's pid into the
// files, then "go\n" on the child's fd 4 (its shell waits for it). "self": the child, still
// root, joins them itself, opens the seccomp file on fd 4, sets its rlimits, drops to the uid
// and execs the file (bwrap) directly: no shell in the chain (issue 16: one exec less a run).
// Anything else that arrives (Node's NODE_HANDLE_ACK) is ignored. Each stdio socket goes back as one message
// with its descriptor attached (SCM_RIGHTS), as Node itself sends a handle.
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#define GATE_FD 4
#define MAX_LINE (4 * 1024 * 1024)
#define MAX_FIELDS 4096

static int channel = -1;

/* The signals main() ignores; a child gets them back at their defaults before its exec. */
static const int CHANGED_SIGNALS[] = { SIGPIPE, SIGTERM, SIGINT, SIGHUP };

/* Running children: pid → request id. Few at a time (one per slot). */
struct child { pid_t pid; long id; };
static struct child *children;
static size_t nchildren, capchildren;

static void remember(pid_t pid, long id) {
  if (nchildren == capchildren) {
    capchildren = capchildren ? capchildren * 2 : 64;
    children = realloc(children, capchildren * sizeof *children);
    if (!children) _exit(70);
  }
  children[nchildren].pid = pid;
  children[nchildren].id = id;
  nchildren++;
}

static long forget(pid_t pid) {
  for (size_t i = 0; i < nchildren; i++) {
    if (children[i].pid != pid) continue;
    long id = children[i].id;
    children[i] = children[--nchildren];
    return id;
  }
  return -1;
}

/* One message; `fd` >= 0 travels with it. A write that fails means the worker host is gone. */
static void send_msg(const char *text, int fd) {
  struct iovec iov = { .iov_base = (void *)text, .iov_len = strlen(text) };
  union { char buf[CMSG_SPACE(sizeof(int))]; struct cmsghdr align; } u;
  struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
  if (fd >= 0) {
    memset(&u, 0, sizeof u);
    msg.msg_control = u.buf;
    msg.msg_controllen = sizeof u.buf;
    struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(c), &fd, sizeof(int));
  }
  while (iov.iov_len > 0) {
    ssize_t n = sendmsg(channel, &msg, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) _exit(0);
    iov.iov_base = (char *)iov.iov_base + n;
    iov.iov_len -= (size_t)n;
    msg.msg_control = NULL;
    msg.msg_controllen = 0;
  }
}

/* A JSON string body: the messages we build carry strerror texts and paths. */
static void json_escape(char *out, size_t cap, const char *in) {
  size_t o = 0;
  for (; *in && o + 7 < cap; in++) {
    unsigned char ch = (unsigned char)*in;
    if (ch == '"' || ch == '\\') { out[o++] = '\\'; out[o++] = (char)ch; }
    else if (ch < 0x20 || ch >= 0x7f) o += (size_t)snprintf(out + o, cap - o, "\\u%04x", ch < 0x80 ? ch : '?');
    else out[o++] = (char)ch;
  }
  out[o] = 0;
}

static void spawn_error(long id, const char *what, int err) {
  char text[1024], esc[900], line[1200];
  snprintf(text, sizeof text, "%s: %s", what, strerror(err));
  json_escape(esc, sizeof esc, text);
  snprintf(line, sizeof line, "{\"type\":\"spawn-error\",\"id\":%ld,\"message\":\"%s\"}\n", id, esc);
  send_msg(line, -1);
}

static const char *signal_name(int sig) {
  static const char *names[] = { NULL, "SIGHUP", "SIGINT", "SIGQUIT", "SIGILL", "SIGTRAP", "SIGABRT", "SIGBUS", "SIGFPE", "SIGKILL", "SIGUSR1", "SIGSEGV", "SIGUSR2", "SIGPIPE", "SIGALRM", "SIGTERM", "SIGSTKFLT", "SIGCHLD", "SIGCONT", "SIGSTOP", "SIGTSTP", "SIGTTIN", "SIGTTOU", "SIGURG", "SIGXCPU", "SIGXFSZ", "SIGVTALRM", "SIGPROF", "SIGWINCH", "SIGIO", "SIGPWR", "SIGSYS" };
  return sig > 0 && sig < (int)(sizeof names / sizeof *names) ? names[sig] : "SIGKILL";
}

static int b64value(unsigned char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

/* Decodes base64 in place; returns the decoded length, or -1. */
static long b64decode(char *s, size_t len) {
  size_t o = 0;
  unsigned acc = 0;
  int bits = 0;
  for (size_t i = 0; i < len; i++) {
    if (s[i] == '=') break;
    int v = b64value((unsigned char)s[i]);
    if (v < 0) return -1;
    acc = (acc << 6) | (unsigned)v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      s[o++] = (char)((acc >> bits) & 0xff);
    }
  }
  return (long)o;
}

/* The request's fields, split at their NULs; NULL when it is malformed. */
struct request {
  long id;
  uid_t uid;
  int has_uid;
  const char *cwd, *file;
  char **argv, **envp;
  char **join;
  size_t njoin;
  int join_self;
  const char *seccomp;
  int nlimits;
  int limit_resource[8];
  rlim_t limit_value[8];
};

/* What failed in the child before its exec, with its errno (written to the error pipe). */
enum step { STEP_EXEC, STEP_FDS, STEP_CWD, STEP_CGROUP, STEP_SECCOMP, STEP_RLIMIT, STEP_UID };
struct child_error { int step; int err; int index; };

static char **take_list(char **fields, size_t n, size_t *at) {
  if (*at >= n) return NULL;
  char *end;
  long count = strtol(fields[(*at)++], &end, 10);
  if (*end || count < 0 || (size_t)count > n - *at) return NULL;
  char **list = calloc((size_t)count + 1, sizeof *list);
  if (!list) return NULL;
  for (long i = 0; i < count; i++) list[i] = fields[(*at)++];
  return list;
}

static int parse_request(char *data, long len, struct request *r) {
  static char *fields[MAX_FIELDS];
  size_t n = 0;
  for (long i = 0, start = 0; i < len; i++) {
    if (data[i] != 0) continue;
    if (n == MAX_FIELDS) return -1;
    fields[n++] = data + start;
    start = i + 1;
  }
  if (n < 3) return -1;
  size_t at = 0;
  const char *uid = fields[at++];
  r->has_uid = uid[0] != 0;
  r->uid = r->has_uid ? (uid_t)strtoul(uid, NULL, 10) : 0;
  r->cwd = fields[at][0] ? fields[at] : NULL;
  at++;
  r->file = fields[at++];
  r->argv = take_list(fields, n, &at);
  r->envp = r->argv ? take_list(fields, n, &at) : NULL;
  char **join = r->envp ? take_list(fields, n, &at) : NULL;
  if (!join) return -1;
  r->join = join;
  for (r->njoin = 0; join[r->njoin]; r->njoin++) {}
  if (at + 3 > n) return -1;
  const char *mode = fields[at++];
  if (strcmp(mode, "gate") != 0 && strcmp(mode, "self") != 0) return -1;
  r->join_self = strcmp(mode, "self") == 0;
  r->seccomp = fields[at][0] ? fields[at] : NULL;
  at++;
  char *end;
  long nlimits = strtol(fields[at++], &end, 10);
  if (*end || nlimits < 0 || nlimits > 8 || (size_t)nlimits > n - at) return -1;
  static const struct { const char *name; int resource; } names[] = { { "nofile", RLIMIT_NOFILE }, { "fsize", RLIMIT_FSIZE }, { "core", RLIMIT_CORE }, { "cpu", RLIMIT_CPU } };
  for (long i = 0; i < nlimits; i++) {
    char *eq = strchr(fields[at], '=');
    if (!eq) return -1;
    *eq = 0;
    int found = -1;
    for (size_t k = 0; k < sizeof names / sizeof *names; k++) if (strcmp(names[k].name, fields[at]) == 0) found = names[k].resource;
    if (found < 0) return -1;
    unsigned long long v = strtoull(eq + 1, &end, 10);
    if (*end || !eq[1]) return -1;
    r->limit_resource[r->nlimits] = found;
    r->limit_value[r->nlimits] = (rlim_t)v;
    r->nlimits++;
    at++;
  }
  return at == n ? 0 : -1;
}

static void free_request(struct request *r) {
  free(r->argv);
  free(r->envp);
  free(r->join);
}

static void child_fail(int errpipe, int step, int index) {
  struct child_error e = { step, errno, index };
  ssize_t ignored = write(errpipe, &e, sizeof e);
  (void)ignored;
  _exit(127);
}

/* In the child, between fork and exec: only async-signal-safe calls. */
static void child_exec(const struct request *r, int sv[5][2], int nstdio, int errpipe) {
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, NULL);
  // What main() changed; everything else is at its default already (Node's spawn of this
  // process reset them).
  for (size_t i = 0; i < sizeof CHANGED_SIGNALS / sizeof *CHANGED_SIGNALS; i++) signal(CHANGED_SIGNALS[i], SIG_DFL);
  setsid();
  // The error pipe and each child end are moved above every target first, so no dup2 below
  // overwrites one not yet placed.
  errpipe = fcntl(errpipe, F_DUPFD_CLOEXEC, 64);
  if (errpipe < 0) _exit(127);
  int high[5];
  for (int i = 0; i < nstdio; i++) {
    high[i] = fcntl(sv[i][1], F_DUPFD, 16);
    if (high[i] < 0) child_fail(errpipe, STEP_FDS, i);
  }
  for (int i = 0; i < nstdio; i++) {
    if (dup2(high[i], i) < 0) child_fail(errpipe, STEP_FDS, i);
  }
  // Everything else goes: the channel, the other sockets' ends (all close-on-exec already; the
  // error pipe must stay until the exec). close_range (Linux 5.9) in two calls, not a loop of
  // a thousand close()s.
  int closed = 0;
#ifdef SYS_close_range
  closed = syscall(SYS_close_range, nstdio, errpipe - 1, 0) == 0 && syscall(SYS_close_range, errpipe + 1, ~0U, 0) == 0;
#endif
  if (!closed) for (int fd = nstdio; fd < 1024; fd++) if (fd != errpipe) close(fd);
  if (r->cwd && chdir(r->cwd) != 0) child_fail(errpipe, STEP_CWD, 0);
  if (r->join_self) {
    // Still root: into the run's cgroups, so that bwrap and everything below it are born there.
    char text[32];
    int len = snprintf(text, sizeof text, "%d", (int)getpid());
    for (size_t i = 0; i < r->njoin; i++) {
      int fd = open(r->join[i], O_WRONLY | O_CLOEXEC);
      if (fd < 0 || write(fd, text, (size_t)len) != len) child_fail(errpipe, STEP_CGROUP, (int)i);
      close(fd);
    }
    // bwrap reads its filter from this descriptor (readable by every uid: it is no secret).
    if (r->seccomp) {
      int fd = open(r->seccomp, O_RDONLY);
      if (fd < 0 || (fd != GATE_FD && (dup2(fd, GATE_FD) < 0 || close(fd) != 0))) child_fail(errpipe, STEP_SECCOMP, 0);
    }
    for (int i = 0; i < r->nlimits; i++) {
      struct rlimit l = { r->limit_value[i], r->limit_value[i] };
      if (setrlimit(r->limit_resource[i], &l) != 0) child_fail(errpipe, STEP_RLIMIT, i);
    }
  }
  if (r->has_uid) {
    // As Node's spawn with uid and gid: supplementary groups cleared first.
    if (setgroups(0, NULL) != 0 || setgid((gid_t)r->uid) != 0 || setuid(r->uid) != 0) child_fail(errpipe, STEP_UID, 0);
  }
  execve(r->file, r->argv, r->envp);
  child_fail(errpipe, STEP_EXEC, 0);
}

static void close_all(int sv[5][2], int nstdio, int side) {
  for (int i = 0; i < nstdio; i++) if (sv[i][side] >= 0) close(sv[i][side]);
}

static void spawn_one(struct request *r) {
  long id = r->id;
  int nstdio = r->njoin && !r->join_self ? 5 : 4;
  int sv[5][2];
  for (int i = 0; i < 5; i++) sv[i][0] = sv[i][1] = -1;
  for (int i = 0; i < nstdio; i++) {
    // The worker host's end is non-blocking, as libuv makes a parent's end (the flag belongs to
    // the open file and travels with the descriptor): handed over blocking, a sandbox that did
    // not read its stdin blocked the worker host's event loop on the write. The child's end
    // stays blocking, as a process's stdio is.
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv[i]) != 0 || fcntl(sv[i][0], F_SETFL, fcntl(sv[i][0], F_GETFL) | O_NONBLOCK) != 0) {
      int err = errno;
      close_all(sv, nstdio, 0);
      close_all(sv, nstdio, 1);
      return spawn_error(id, "socketpair", err);
    }
  }
  int errpipe[2];
  if (pipe2(errpipe, O_CLOEXEC) != 0) {
    int err = errno;
    close_all(sv, nstdio, 0);
    close_all(sv, nstdio, 1);
    return spawn_error(id, "pipe", err);
  }
  pid_t pid = fork();
  if (pid == 0) child_exec(r, sv, nstdio, errpipe[1]);
  int fork_err = errno;
  close(errpipe[1]);
  close_all(sv, nstdio, 1);
  if (pid < 0) {
    close(errpipe[0]);
    close_all(sv, nstdio, 0);
    return spawn_error(id, "fork", fork_err);
  }
  // Blocks until the exec (end of file: the pipe was close-on-exec) or the child's failure.
  struct child_error failed;
  ssize_t got;
  do got = read(errpipe[0], &failed, sizeof failed);
  while (got < 0 && errno == EINTR);
  close(errpipe[0]);
  if (got == (ssize_t)sizeof failed) {
    close_all(sv, nstdio, 0);
    waitpid(pid, NULL, 0);
    char what[600];
    if (failed.step == STEP_CGROUP) snprintf(what, sizeof what, "could not move the sandbox into its cgroup (%.500s)", r->join[failed.index]);
    else if (failed.step == STEP_SECCOMP) snprintf(what, sizeof what, "could not open the seccomp filter %.500s", r->seccomp);
    else if (failed.step == STEP_RLIMIT) snprintf(what, sizeof what, "could not set the sandbox's rlimit %d", r->limit_resource[failed.index]);
    else if (failed.step == STEP_UID) snprintf(what, sizeof what, "could not drop to uid %u", (unsigned)r->uid);
    else if (failed.step == STEP_CWD) snprintf(what, sizeof what, "could not enter %.500s", r->cwd);
    else if (failed.step == STEP_FDS) snprintf(what, sizeof what, "could not place the child's stdio");
    else snprintf(what, sizeof what, "spawn %.500s", r->file);
    errno = failed.err;
    return spawn_error(id, what, failed.err);
  }
  remember(pid, id);
  if (r->njoin && !r->join_self) {
    // Still waiting at its gate: moved into the run's cgroups before it may go on, so bwrap and
    // everything below it are born there. A failed move never opens the gate.
    char text[32];
    int len = snprintf(text, sizeof text, "%d", (int)pid);
    for (size_t i = 0; i < r->njoin; i++) {
      int fd = open(r->join[i], O_WRONLY | O_CLOEXEC);
      int ok = fd >= 0 && write(fd, text, (size_t)len) == len;
      int err = errno;
      if (fd >= 0) close(fd);
      if (!ok) {
        close_all(sv, nstdio, 0);
        kill(-pid, SIGKILL);
        kill(pid, SIGKILL);
        forget(pid);
        char what[600];
        snprintf(what, sizeof what, "could not move the sandbox into its cgroup (%.500s)", r->join[i]);
        return spawn_error(id, what, err);
      }
    }
    ssize_t w = write(sv[GATE_FD][0], "go\n", 3);
    (void)w;
    close(sv[GATE_FD][0]);
    sv[GATE_FD][0] = -1;
  }
  for (int i = 0; i < 4; i++) {
    char line[200];
    snprintf(line, sizeof line, "{\"cmd\":\"NODE_HANDLE\",\"type\":\"net.Socket\",\"msg\":{\"type\":\"stdio\",\"id\":%ld,\"index\":%d}}\n", id, i);
    send_msg(line, sv[i][0]);
    close(sv[i][0]);
  }
  char line[120];
  snprintf(line, sizeof line, "{\"type\":\"spawned\",\"id\":%ld,\"pid\":%d}\n", id, (int)pid);
  send_msg(line, -1);
}

static void handle_line(char *line) {
  if (!strstr(line, "\"type\":\"spawn\"")) return;
  char *idp = strstr(line, "\"id\":");
  char *reqp = strstr(line, "\"req\":\"");
  if (!idp || !reqp) return;
  long id = strtol(idp + 5, NULL, 10);
  char *data = reqp + 7;
  char *end = strchr(data, '"');
  if (!end) return;
  long len = b64decode(data, (size_t)(end - data));
  struct request r = { .id = id };
  if (len < 0 || parse_request(data, len, &r) != 0) {
    free_request(&r);
    return spawn_error(id, "malformed spawn request", EINVAL);
  }
  spawn_one(&r);
  free_request(&r);
}

static void reap(void) {
  for (;;) {
    int status;
    pid_t pid = waitpid(-1, &status, WNOHANG);
    if (pid <= 0) return;
    long id = forget(pid);
    if (id < 0) continue;
    char line[160];
    if (WIFSIGNALED(status)) snprintf(line, sizeof line, "{\"type\":\"exit\",\"id\":%ld,\"code\":null,\"signal\":\"%s\"}\n", id, signal_name(WTERMSIG(status)));
    else snprintf(line, sizeof line, "{\"type\":\"exit\",\"id\":%ld,\"code\":%d,\"signal\":null}\n", id, WEXITSTATUS(status));
    send_msg(line, -1);
  }
}

/* What this process inherited without close-on-exec (launcher.cjs: closeInheritedDescriptors). */
static void close_inherited(void) {
  char list[4096] = "";
  size_t o = 0;
  DIR *d = opendir("/proc/self/fd");
  if (!d) return;
  int own = dirfd(d);
  int fds[256];
  int n = 0;
  struct dirent *e;
  while ((e = readdir(d)) && n < 256) {
    int fd = atoi(e->d_name);
    if (e->d_name[0] == '.' || fd <= 2 || fd == channel || fd == own) continue;
    int flags = fcntl(fd, F_GETFD);
    if (flags < 0 || (flags & FD_CLOEXEC)) continue;
    fds[n++] = fd;
  }
  closedir(d);
  for (int i = 0; i < n; i++) {
    close(fds[i]);
    o += (size_t)snprintf(list + o, sizeof list - o, "%s%d", i ? "," : "", fds[i]);
    if (o >= sizeof list - 16) break;
  }
  if (!n) return;
  char line[4200];
  snprintf(line, sizeof line, "{\"type\":\"inherited-closed\",\"fds\":[%s]}\n", list);
  send_msg(line, -1);
}

int main(void) {
  const char *fd = getenv("NODE_CHANNEL_FD");
  if (!fd) {
    fputs("launcher is started by the worker host over IPC\n", stderr);
    return 2;
  }
  channel = atoi(fd);
  fcntl(channel, F_SETFD, FD_CLOEXEC);
  fcntl(channel, F_SETFL, fcntl(channel, F_GETFL) & ~O_NONBLOCK);
  // Every one of these is in CHANGED_SIGNALS.
  signal(SIGPIPE, SIG_IGN);
  // A SIGTERM or SIGINT sent to the worker host's whole process group (systemd's default, a
  // `kill -- -pgid`, Ctrl+C in a terminal) must not end the launcher before its worker host has
  // drained: the running programs would die with it. It exits when its worker host does (the
  // IPC channel closes), whatever the signal was. Children get every signal back at its default.
  signal(SIGTERM, SIG_IGN);
  signal(SIGINT, SIG_IGN);
  signal(SIGHUP, SIG_IGN);
  close_inherited();
  sigset_t chld;
  sigemptyset(&chld);
  sigaddset(&chld, SIGCHLD);
  sigprocmask(SIG_BLOCK, &chld, NULL);
  int sfd = signalfd(-1, &chld, SFD_CLOEXEC | SFD_NONBLOCK);
  if (sfd < 0) return 3;
  pid_t parent = getppid();
  size_t cap = 64 * 1024, used = 0;
  char *buf = malloc(cap);
  if (!buf) return 4;
  for (;;) {
    struct pollfd p[2] = { { .fd = channel, .events = POLLIN }, { .fd = sfd, .events = POLLIN } };
    int ready = poll(p, 2, 1000);
    // The worker host is gone (its channel closed, or this process was handed to another
    // parent): exit, and bwrap's --die-with-parent ends every sandbox started here.
    if (getppid() != parent) return 0;
    if (ready < 0) continue;
    if (p[1].revents & POLLIN) {
      struct signalfd_siginfo si;
      while (read(sfd, &si, sizeof si) == (ssize_t)sizeof si) {}
      reap();
    }
    if (!(p[0].revents & (POLLIN | POLLHUP | POLLERR))) continue;
    if (cap - used < 16 * 1024) {
      if (cap >= MAX_LINE) return 5;
      cap *= 2;
      buf = realloc(buf, cap);
      if (!buf) return 4;
    }
    ssize_t n = read(channel, buf + used, cap - used - 1);
    if (n == 0) return 0;
    if (n < 0) {
      if (errno == EINTR || errno == EAGAIN) continue;
      return 0;
    }
    used += (size_t)n;
    char *start = buf;
    char *nl;
    while ((nl = memchr(start, '\n', used - (size_t)(start - buf)))) {
      *nl = 0;
      handle_line(start);
      start = nl + 1;
    }
    used -= (size_t)(start - buf);
    memmove(buf, start, used);
  }
}

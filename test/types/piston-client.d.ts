declare module 'piston-client' {
  export function piston(opts?: { server?: string }): {
    runtimes(): Promise<unknown>;
    execute(language: string, code: string, config?: Record<string, unknown>): Promise<unknown>;
  };
  export default piston;
}

import type { Language } from './share.ts';

export interface Example {
  id: string;
  title: string;
  language: Language;
  code: string;
}

export const EXAMPLES: readonly Example[] = [
  { id: 'hello', title: 'Hello, world', language: 'javascript', code: 'console.log("Hello, world!");\n' },
  {
    id: 'timer',
    title: 'Streaming timer',
    language: 'javascript',
    code: 'let n = 0;\nconst t = setInterval(() => {\n  console.log(`tick ${++n}`);\n  if (n === 5) clearInterval(t);\n}, 500);\n',
  },
  {
    id: 'stdin',
    title: 'Echo stdin',
    language: 'javascript',
    code: 'process.stdin.setEncoding("utf8");\nconsole.log("Type a line below and press Send (EOF ends the program).");\nprocess.stdin.on("data", (line) => console.log(`you said: ${line.trim()}`));\nprocess.stdin.on("end", () => console.log("bye"));\n',
  },
  {
    id: 'error',
    title: 'Error with a stack',
    language: 'javascript',
    code: 'function parse(text) {\n  return JSON.parse(text);\n}\n\nconsole.log("parsing…");\nparse("{ not json");\n',
  },
  {
    id: 'async',
    title: 'async / await',
    language: 'javascript',
    code: 'import { setTimeout as sleep } from "node:timers/promises";\n\nfor (const step of ["fetching", "parsing", "done"]) {\n  await sleep(300);\n  console.log(step);\n}\n',
  },
  {
    id: 'types',
    title: 'TypeScript types',
    language: 'typescript',
    code: 'interface User {\n  name: string;\n  age: number;\n}\n\nfunction greet(user: User): string {\n  return `Hello, ${user.name} (${user.age})`;\n}\n\nconsole.log(greet({ name: "Ada", age: 36 }));\n',
  },
  {
    id: 'colors',
    title: 'ANSI colours',
    language: 'javascript',
    code: 'const c = (n, s) => `\\x1b[${n}m${s}\\x1b[0m`;\nconsole.log(c(31, "red"), c(32, "green"), c(34, "blue"), c(1, "bold"));\nconsole.error(c(33, "a warning on stderr"));\n',
  },
];

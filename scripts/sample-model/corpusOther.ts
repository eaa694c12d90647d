/**
 * Self-written dialogue, arithmetic and code samples for the sample model's corpus. Each domain has
 * its own regular structure, so that a small model can learn it and the activation analysis has
 * distinct domains to compare (the built-in prompt sets use the same four domains).
 */
import { pick, intIn } from './rng';

type R = () => number;

const PEOPLE = ['Alice', 'Bob', 'Carol', 'Dan', 'Eve', 'Frank', 'Grace', 'Hana'];
const FOODS = ['soup', 'bread', 'rice', 'pasta', 'salad', 'cake', 'tea', 'coffee'];
const TOPICS: Array<[string, string]> = [
  ['the weather', 'It looks like rain later, so take a coat.'],
  ['the train', 'The next train leaves at half past nine.'],
  ['the library', 'The library is open until six today.'],
  ['the garden', 'The tomatoes are finally turning red.'],
  ['the meeting', 'The meeting moved to Thursday afternoon.'],
  ['the book', 'I finished the book last night and loved the ending.'],
  ['the game', 'Our team won by two points in the last minute.'],
  ['the trip', 'We leave early on Saturday and come back on Monday.'],
];

function dialogue(r: R): string {
  const a = pick(r, PEOPLE);
  const b = pick(
    r,
    PEOPLE.filter((p) => p !== a),
  );
  const [topic, fact] = pick(r, TOPICS);
  const food = pick(r, FOODS);
  const lines = [
    `${a}: Good ${pick(r, ['morning', 'afternoon', 'evening'])}, ${b}. How are you?`,
    `${b}: I am ${pick(r, ['fine', 'well', 'a little tired', 'very well'])}, thank you. And you?`,
    `${a}: Not bad. Did you hear about ${topic}?`,
    `${b}: No, what happened?`,
    `${a}: ${fact}`,
    `${b}: ${pick(r, ['Oh, I did not know that.', 'That is good to know.', 'Thanks for telling me.', 'Really? That is great.'])}`,
    `${a}: Would you like some ${food}?`,
    `${b}: ${pick(r, [`Yes, please. I love ${food}.`, 'No, thank you. I just ate.', 'Maybe later, thanks.'])}`,
  ];
  return lines.slice(0, intIn(r, 4, lines.length)).join('\n');
}

function arithmetic(r: R): string {
  const lines: string[] = [];
  for (let i = 0; i < 6; i++) {
    const a = intIn(r, 0, 50),
      b = intIn(r, 0, 50);
    const op = pick(r, ['+', '-', '*'] as const);
    const v = op === '+' ? a + b : op === '-' ? a - b : a * b;
    const word = op === '+' ? 'plus' : op === '-' ? 'minus' : 'times';
    lines.push(pick(r, [`${a} ${op} ${b} = ${v}`, `What is ${a} ${word} ${b}? The answer is ${v}.`, `${a} ${word} ${b} equals ${v}.`]));
  }
  const x = intIn(r, 1, 20),
    m = intIn(r, 2, 9),
    c = intIn(r, 1, 30);
  lines.push(`Solve ${m}x + ${c} = ${m * x + c}. Subtract ${c}: ${m}x = ${m * x}. Divide by ${m}: x = ${x}.`);
  return lines.join('\n');
}

const FN_NAMES = ['total', 'count_items', 'average', 'largest', 'smallest', 'double_all', 'only_even', 'reverse_list'];

function pythonFunction(r: R): string {
  const name = pick(r, FN_NAMES),
    arg = pick(r, ['values', 'items', 'numbers', 'data']);
  const bodies: Record<string, string[]> = {
    total: ['    result = 0', `    for x in ${arg}:`, '        result += x', '    return result'],
    count_items: ['    count = 0', `    for _ in ${arg}:`, '        count += 1', '    return count'],
    average: [`    if not ${arg}:`, '        return 0.0', `    return sum(${arg}) / len(${arg})`],
    largest: [`    best = ${arg}[0]`, `    for x in ${arg}:`, '        if x > best:', '            best = x', '    return best'],
    smallest: [`    best = ${arg}[0]`, `    for x in ${arg}:`, '        if x < best:', '            best = x', '    return best'],
    double_all: [`    return [2 * x for x in ${arg}]`],
    only_even: [`    return [x for x in ${arg} if x % 2 == 0]`],
    reverse_list: [`    return ${arg}[::-1]`],
  };
  return [`def ${name}(${arg}):`, ...bodies[name], '', `print(${name}([${[1, 2, 3].map(() => intIn(r, 0, 9)).join(', ')}]))`].join('\n');
}

function jsFunction(r: R): string {
  const name = pick(r, ['sum', 'maxOf', 'countWords', 'isEven', 'square', 'greet']);
  const bodies: Record<string, string[]> = {
    sum: ['function sum(xs) {', '  let s = 0;', '  for (const x of xs) s += x;', '  return s;', '}'],
    maxOf: ['function maxOf(xs) {', '  let m = xs[0];', '  for (const x of xs) if (x > m) m = x;', '  return m;', '}'],
    countWords: ['function countWords(text) {', "  return text.split(' ').filter((w) => w.length > 0).length;", '}'],
    isEven: ['function isEven(n) {', '  return n % 2 === 0;', '}'],
    square: ['const square = (x) => x * x;'],
    greet: ['function greet(name) {', '  return `Hello, ${name}!`;', '}'],
  };
  const call =
    name === 'greet'
      ? `greet('${pick(r, PEOPLE)}')`
      : name === 'countWords'
        ? "countWords('the cat sat')"
        : name === 'isEven' || name === 'square'
          ? `${name}(${intIn(r, 0, 20)})`
          : `${name}([${intIn(r, 0, 9)}, ${intIn(r, 0, 9)}, ${intIn(r, 0, 9)}])`;
  return [...bodies[name], `console.log(${call});`].join('\n');
}

export function generateDialogue(r: R, count: number): string {
  return Array.from({ length: count }, () => dialogue(r)).join('\n\n') + '\n';
}

export function generateMath(r: R, count: number): string {
  return Array.from({ length: count }, () => arithmetic(r)).join('\n\n') + '\n';
}

export function generateCode(r: R, count: number): string {
  return Array.from({ length: count }, () => (r() < 0.5 ? pythonFunction(r) : jsFunction(r))).join('\n\n') + '\n';
}

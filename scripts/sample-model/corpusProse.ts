/**
 * Self-written short stories in simple English, expanded from templates so that the small sample
 * model sees many variations of the same grammar (the same idea as TinyStories, written here from
 * scratch so that the corpus has no licence question).
 */
import { pick, intIn } from './rng';

const NAMES = ['Tom', 'Lily', 'Ben', 'Mia', 'Sam', 'Anna', 'Max', 'Lucy', 'Jack', 'Sara', 'Leo', 'Emma', 'Finn', 'Rosa', 'Omar', 'Nina'];
const ANIMALS = ['cat', 'dog', 'bird', 'rabbit', 'fox', 'bear', 'duck', 'frog', 'mouse', 'horse', 'owl', 'turtle'];
const ADJ = ['little', 'small', 'big', 'happy', 'brave', 'shy', 'kind', 'curious', 'sleepy', 'clever', 'funny', 'quiet'];
const COLORS = ['red', 'blue', 'green', 'yellow', 'white', 'brown', 'orange', 'purple'];
const PLACES = ['park', 'garden', 'forest', 'house', 'river', 'farm', 'school', 'beach', 'hill', 'village'];
const THINGS = ['ball', 'kite', 'box', 'hat', 'book', 'cake', 'flower', 'boat', 'drum', 'apple', 'shell', 'key'];
const LIKES = [
  'play with a ball',
  'run in the grass',
  'look at the stars',
  'sing songs',
  'build a tower',
  'read books',
  'jump in puddles',
  'draw pictures',
  'swim in the pond',
  'climb trees',
];
const FEELINGS = ['happy', 'sad', 'scared', 'surprised', 'excited', 'tired', 'proud', 'angry'];
const WEATHER = [
  'It was a sunny day.',
  'The sky was grey and it started to rain.',
  'The wind was cold.',
  'Snow covered the ground.',
  'The sun was warm and the birds were singing.',
];
const MORALS = [
  'It is good to share with your friends.',
  'Being kind makes everyone happy.',
  'It is okay to ask for help.',
  'Trying again is how we learn.',
  'Friends help each other.',
  'Telling the truth is the right thing to do.',
];

type R = () => number;

function cap(s: string): string {
  return s[0].toUpperCase() + s.slice(1);
}

function article(word: string): string {
  return /^[aeiou]/.test(word) ? 'an' : 'a';
}

function storyFriend(r: R): string {
  const name = pick(r, NAMES),
    animal = pick(r, ANIMALS),
    adj = pick(r, ADJ);
  const friend = pick(
      r,
      NAMES.filter((n) => n !== name),
    ),
    place = pick(r, PLACES),
    thing = pick(r, THINGS);
  const color = pick(r, COLORS),
    like = pick(r, LIKES),
    feel = pick(r, FEELINGS);
  return [
    `Once upon a time, there was ${article(adj)} ${adj} ${animal} named ${name}.`,
    `${name} liked to ${like} in the ${place}.`,
    pick(r, WEATHER),
    `One day, ${name} found ${article(color)} ${color} ${thing} near the ${pick(r, PLACES)}.`,
    `${name} was very ${feel}.`,
    `"Look what I found!" said ${name}. ${friend} came to see the ${thing}.`,
    `"Can I play with it too?" asked ${friend}.`,
    `${name} thought for a moment and then said, "Yes, we can play together."`,
    `They played with the ${color} ${thing} all day until the sun went down.`,
    pick(r, MORALS),
  ].join(' ');
}

function storyLost(r: R): string {
  const name = pick(r, NAMES),
    thing = pick(r, THINGS),
    place = pick(r, PLACES),
    other = pick(r, PLACES);
  const helper = pick(r, ANIMALS),
    color = pick(r, COLORS);
  return [
    `${name} had ${article(color)} ${color} ${thing}. ${name} loved the ${thing} very much.`,
    `One morning, ${name} could not find the ${thing}.`,
    `${name} looked in the ${place}, but it was not there.`,
    `${name} looked under the bed and behind the door, but it was not there either.`,
    `Then ${article(helper)} ${helper} came by and said, "I saw ${article(color)} ${color} ${thing} by the ${other}."`,
    `${name} ran to the ${other} and there it was!`,
    `"Thank you, ${helper}!" said ${name} with a big smile.`,
    `From that day on, ${name} and the ${helper} were good friends.`,
  ].join(' ');
}

function storyCount(r: R): string {
  const name = pick(r, NAMES),
    thing = pick(r, THINGS),
    n = intIn(r, 2, 9),
    k = intIn(r, 1, n - 1);
  const friend = pick(
    r,
    NAMES.filter((x) => x !== name),
  );
  const plural = thing === 'box' ? 'boxes' : `${thing}s`;
  return [
    `${name} had ${n} ${plural}.`,
    `${name} gave ${k} ${k === 1 ? thing : plural} to ${friend}.`,
    `Now ${name} had ${n - k} ${n - k === 1 ? thing : plural} and ${friend} had ${k}.`,
    `"Sharing is fun," said ${friend}.`,
    `They put all the ${plural} in a row and counted them together: there were ${n}.`,
  ].join(' ');
}

function storyWeather(r: R): string {
  const name = pick(r, NAMES),
    animal = pick(r, ANIMALS),
    place = pick(r, PLACES),
    feel = pick(r, FEELINGS);
  return [
    `${cap(pick(r, ['in the morning', 'after lunch', 'in the evening', 'on a quiet night']))}, ${name} went to the ${place} with a ${animal}.`,
    pick(r, WEATHER),
    `The ${animal} felt ${feel}, so ${name} sat down next to it.`,
    `"Do not worry," said ${name}. "I am here with you."`,
    `The ${animal} looked up and was not ${feel} anymore.`,
    `They walked home together, slowly, as the ${pick(r, ['moon', 'sun', 'stars', 'lights'])} came out.`,
  ].join(' ');
}

/** `count` stories, blank-line separated. */
export function generateProse(r: R, count: number): string {
  const kinds = [storyFriend, storyLost, storyCount, storyWeather];
  const out: string[] = [];
  for (let i = 0; i < count; i++) out.push(pick(r, kinds)(r));
  return out.join('\n\n') + '\n';
}

// Machine hostnames: MAAS's validation (src/maasserver/utils/dns.py validate_hostname) and its
// generated names (models/node.py set_random_hostname: `petname.Generate(2, "-")`, retried until unique).

const MAX_NAME = 255;
const MAX_LABEL = 63;
const LABEL_CHARS = /^[a-zA-Z0-9-]*$/;

/**
 * Returns MAAS's message for an invalid hostname, or undefined. A hostname may be a bare label or an
 * FQDN (`host.domain`, split by `splitFqdn`); labels are 1–63 letters, digits and hyphens, not starting
 * or ending with a hyphen, the whole at most 255 characters.
 */
export function hostnameError(name: string): string | undefined {
  if (name.length > MAX_NAME) return `Hostname is too long.  Maximum allowed is ${MAX_NAME} characters.`;
  const { host } = splitFqdn(name);
  if (host.includes('_')) return `Host label cannot contain underscore: '${host}'.`;
  for (const label of name.split('.')) {
    if (label.length === 0) return 'DNS name contains an empty label.';
    if (label.length > MAX_LABEL) {
      return `Label is too long: '${label}'.  Maximum allowed is ${MAX_LABEL} characters.`;
    }
    if (label.startsWith('-') || label.endsWith('-')) {
      return `Label cannot start or end with hyphen: '${label}'.`;
    }
    if (!LABEL_CHARS.test(label)) return `Label contains disallowed characters: '${label}'.`;
  }
  return undefined;
}

/** Splits a hostname at its first dot, as MAAS does when `hostname` is given as an FQDN. */
export function splitFqdn(name: string): { readonly host: string; readonly domain?: string } {
  const dot = name.indexOf('.');
  return dot < 0 ? { host: name } : { host: name.slice(0, dot), domain: name.slice(dot + 1) };
}

// Short, friendly words, every one a valid DNS label; 219 × 209 ≈ 45k names.
const ADJECTIVES: readonly string[] = `
able agile alert amber ample apt arctic ardent avid awake azure balmy basic bold brave breezy bright
brisk broad bronze bubbly busy calm candid casual cheery chief civic civil classic clean clear
clever cool cosmic cozy crimson crisp curly cute dapper daring dear decent deep direct divine dreamy
driven dusty eager early earnest easy elated elegant epic equal exact exotic fabled fair famous
fancy fast fine firm fit fluent fond frank free fresh frosty full funny fuzzy gentle genuine giant
gifted glad glossy golden good grand great green happy hardy hazy hearty helpful heroic honest
humble icy ideal immune intent jade jolly jovial joyful just keen kind large lasting lavish lawful
leading legal light likely lively living local logical loyal lucid lucky lunar lush magic main major
mellow merry mighty mild minty misty modern modest neat nimble noble normal novel open optimal polar
polite posh precise prime proper proud quick quiet rapid rare ready regal robust rosy royal rugged
rustic safe sage savvy secure serene sharp shiny silver simple sleek smart smooth snappy snowy
social solar solid sonic sound spicy stable steady stellar sterling stoic strong sturdy sunny super
supreme sure swift teal tender tidy tight tough trusty upbeat urban usable valid vast velvet vital
vivid warm wealthy whole wild windy wise witty woolly worthy young zany zealous zen
`
  .trim()
  .split(/\s+/);

const NOUNS: readonly string[] = `
ant ape asp auk badger bass bat bear bee beetle bird bison boar bobcat bream buck bug bull calf
camel carp cat chick cicada clam cobra cod colt condor coral cougar cow coyote crab crane cricket
crow cub deer dingo doe dog dove dragon drake duck eagle eel egret elk emu ewe falcon fawn ferret
finch fish flea fly foal fox frog gannet gar gecko gerbil gnat gnu goat goose gopher grouse gull
hare hawk hen heron hog hornet horse hound ibex ibis iguana imp jackal jay kingfish kit kite kiwi
koala krill lamb lark lemur liger lion llama lobster locust loon lynx macaw magpie mako manatee
mantis marlin marmot marten mink minnow mite mole molly moose moth mouse mule mutt narwhal newt
ocelot orca oriole oryx osprey otter owl ox oyster panda parrot pelican penguin perch pheasant pig
piglet pika pike plover pony poodle possum prawn puffin puma pup python quail rabbit ram rat raven
ray redbird rhino robin rook sable salmon seal shad shark sheep shrew shrimp skink skunk sloth slug
snail snake snipe sole sparrow spider squid stag stork swan tahr tapir tern thrush tick tiger toad
trout tuna turkey turtle urchin viper vole wahoo walrus wasp weasel whale whippet wolf wombat worm
wren yak zebra
`
  .trim()
  .split(/\s+/);

/** The words `generateHostname` draws from. */
export const hostnameWords = { adjectives: ADJECTIVES, nouns: NOUNS } as const;

function pick(words: readonly string[], random: () => number): string {
  const r = random();
  const index = Number.isFinite(r)
    ? Math.min(words.length - 1, Math.max(0, Math.floor(r * words.length)))
    : 0;
  return words[index] ?? '';
}

/** A MAAS-style two-word name, "adjective-noun" (e.g. "fresh-cod"); `random` returns [0, 1). */
export function generateHostname(random: () => number): string {
  return `${pick(ADJECTIVES, random)}-${pick(NOUNS, random)}`;
}

/**
 * Up to `n` distinct generated names, for the region to take the first one not in use (MAAS retries
 * until the name is unique). Gives up after `10n + 100` draws, so it may return fewer.
 */
export function generateHostnameCandidates(random: () => number, n: number): string[] {
  const names = new Set<string>();
  for (let draws = 0; names.size < n && draws < 10 * n + 100; draws++) names.add(generateHostname(random));
  return [...names];
}

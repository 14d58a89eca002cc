import type { Static, TSchema } from '@sinclair/typebox';
import { TypeCompiler, type TypeCheck } from '@sinclair/typebox/compiler';
import type { ErrorCode } from '@ferrum/domain';

/** Which end answers a method: the region (the rack calls it) or the rack (the region calls it). */
export type AnsweredBy = 'region' | 'rack';

/** One RPC method: its name, who answers it, since which protocol version, and its schemas. */
export interface RpcMethod<P extends TSchema = TSchema, R extends TSchema = TSchema> {
  readonly name: string;
  readonly answeredBy: AnsweredBy;
  /** The protocol version that introduced it; a peer speaking an older one cannot call it. */
  readonly since: number;
  readonly doc: string;
  readonly params: P;
  readonly result: R;
  /** The application errors (Ferrum's codes) it may answer with, besides the protocol's own. */
  readonly errors: readonly ErrorCode[];
}

export type ParamsOf<M extends RpcMethod> = Static<M['params']>;
export type ResultOf<M extends RpcMethod> = Static<M['result']>;

/** A value checked against a schema: the value, typed, or what is wrong with it, by path. */
export type Checked<T> =
  { readonly ok: true; readonly value: T } | { readonly ok: false; readonly problems: string[] };

const MAX_PROBLEMS = 10;

/** Declares a method; its schemas are compiled once, here. */
export function rpcMethod<P extends TSchema, R extends TSchema>(
  definition: RpcMethod<P, R>,
): CompiledMethod<P, R> {
  return new CompiledMethod(definition);
}

/** A method with its compiled checks, used at both ends (the caller's result, the answerer's params). */
export class CompiledMethod<P extends TSchema = TSchema, R extends TSchema = TSchema> implements RpcMethod<
  P,
  R
> {
  readonly name: string;
  readonly answeredBy: AnsweredBy;
  readonly since: number;
  readonly doc: string;
  readonly params: P;
  readonly result: R;
  readonly errors: readonly ErrorCode[];
  private readonly paramsCheck: TypeCheck<P>;
  private readonly resultCheck: TypeCheck<R>;

  constructor(definition: RpcMethod<P, R>) {
    this.name = definition.name;
    this.answeredBy = definition.answeredBy;
    this.since = definition.since;
    this.doc = definition.doc;
    this.params = definition.params;
    this.result = definition.result;
    this.errors = definition.errors;
    this.paramsCheck = TypeCompiler.Compile(definition.params);
    this.resultCheck = TypeCompiler.Compile(definition.result);
  }

  checkParams(value: unknown): Checked<Static<P>> {
    return check(this.paramsCheck, value);
  }

  checkResult(value: unknown): Checked<Static<R>> {
    return check(this.resultCheck, value);
  }
}

function check<T extends TSchema>(compiled: TypeCheck<T>, value: unknown): Checked<Static<T>> {
  if (compiled.Check(value)) return { ok: true, value };
  const problems: string[] = [];
  for (const error of compiled.Errors(value)) {
    problems.push(`${error.path || '/'}: ${error.message}`);
    if (problems.length >= MAX_PROBLEMS) break;
  }
  return { ok: false, problems };
}

/** Methods by name, for one end: those it answers at the agreed version. */
export class MethodTable {
  private readonly byName = new Map<string, CompiledMethod>();

  constructor(methods: readonly CompiledMethod[]) {
    for (const m of methods) {
      if (this.byName.has(m.name)) throw new Error(`RPC method ${m.name} is declared twice.`);
      this.byName.set(m.name, m);
    }
  }

  /** The method `name` as `end` answers it to a peer speaking `version`, if there is one. */
  find(name: string, end: AnsweredBy, version: number): CompiledMethod | undefined {
    const m = this.byName.get(name);
    return m && m.answeredBy === end && m.since <= version ? m : undefined;
  }

  all(): CompiledMethod[] {
    return [...this.byName.values()];
  }
}

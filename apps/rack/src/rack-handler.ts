import { AppError } from '@ferrum/domain';
import {
  RpcError,
  rpcErrorCodes,
  type ParamsOf,
  type ResultOf,
  type RpcHandler,
  type archList,
  type imagesList,
  type osList,
  type osReleaseTitle,
  type osValidateLicenseKey,
  type powerDescribeTypes,
  type powerChange,
  type powerQuery,
} from '@ferrum/protocol';

/** What the rack answers the region from: its OS registry, image cache and power drivers. */
export interface RackKnowledge {
  osList(): Promise<ResultOf<typeof osList>>;
  releaseTitle(osystem: string, release: string): Promise<string>;
  validateLicenseKey(osystem: string, release: string, key: string): Promise<boolean>;
  architectures(): Promise<string[]>;
  images(): Promise<ResultOf<typeof imagesList>['images']>;
  powerTypes(): Promise<ResultOf<typeof powerDescribeTypes>>;
  /** Switches a machine through its BMC (the power runner). */
  powerChange(
    params: ParamsOf<typeof powerChange>,
    signal: AbortSignal,
  ): Promise<ResultOf<typeof powerChange>>;
  powerQuery(params: ParamsOf<typeof powerQuery>, signal: AbortSignal): Promise<ResultOf<typeof powerQuery>>;
}

/** The rack's end of the methods the region calls; params arrive checked against their schemas. */
export function rackHandler(knowledge: RackKnowledge): RpcHandler {
  return async (method, params, signal) => {
    switch (method.name) {
      case 'os.list':
        return knowledge.osList();
      case 'os.releaseTitle': {
        const p = params as ParamsOf<typeof osReleaseTitle>;
        return { title: await knowledge.releaseTitle(p.osystem, p.release) };
      }
      case 'os.validateLicenseKey': {
        const p = params as ParamsOf<typeof osValidateLicenseKey>;
        return { valid: await knowledge.validateLicenseKey(p.osystem, p.release, p.key) };
      }
      case 'arch.list':
        return { architectures: await knowledge.architectures() } satisfies ResultOf<typeof archList>;
      case 'images.list':
        return { images: await knowledge.images() };
      case 'power.describeTypes':
        return knowledge.powerTypes();
      // `signal` aborts when the connection closes; the region's deadline is not sent, so the
      // power runner keeps each call within its own limit, under the region's.
      case 'power.change':
        return withFieldErrors(knowledge.powerChange(params as ParamsOf<typeof powerChange>, signal));
      case 'power.query':
        return withFieldErrors(knowledge.powerQuery(params as ParamsOf<typeof powerQuery>, signal));
      default:
        throw new RpcError(rpcErrorCodes.methodNotFound, `${method.name} is not served by this rack.`);
    }
  };
}

/**
 * An AppError with field errors (validation_failed) crosses the RPC with them: the peer's
 * default answer of an AppError carries its code and message only. Other details stay on
 * the rack (they may hold a tool's output), and messages name no secret.
 */
function withFieldErrors<T>(pending: Promise<T>): Promise<T> {
  return pending.catch((error: unknown) => {
    if (error instanceof AppError && error.details.fields !== undefined)
      throw new RpcError(rpcErrorCodes.applicationError, error.message, {
        code: error.code,
        fields: error.details.fields,
      });
    throw error;
  });
}

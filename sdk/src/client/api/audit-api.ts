import type { AuditEntryView } from '@plcfleet/protocols';
import { AuditHead, AuditList, AuditVerification } from '@plcfleet/protocols';
import type { HttpClient } from '../http';
import type { RequestOptions } from './request-options';

/** Filter of {@link AuditApi.list}. */
export interface AuditQuery {
  /** Entries with a sequence number above this. */
  after?: number;
  /** At most this many entries. */
  limit?: number;
  /** Entries about this subject id (a rollout, change request, deploy, …). */
  subject?: string;
  /** The newest `limit` entries (still in chain order) instead of the oldest. */
  newest?: boolean;
}

/** The hash-chained audit log (`/v1/audit`). */
export class AuditApi {
  constructor(private readonly http: HttpClient) {}

  /** Entries in chain order (`GET /v1/audit?after=&limit=&subject=&newest=`). */
  async list(query: AuditQuery = {}, opts: RequestOptions = {}): Promise<AuditEntryView[]> {
    return (await this.http.request('GET', '/v1/audit', AuditList, { ...opts, query: { ...query } })).entries;
  }

  /**
   * Recomputes the chain on the server and reports the first broken link (`GET /v1/audit/verify`).
   * `anchors` (`SEQ:HASH`, from {@link head} kept elsewhere) must each still be in the chain.
   */
  verify(anchors: readonly string[] = [], opts: RequestOptions = {}): Promise<AuditVerification> {
    return this.http.request('GET', '/v1/audit/verify', AuditVerification, {
      ...opts,
      ...(anchors.length ? { query: { anchor: anchors.join(',') } } : {}),
    });
  }

  /** The last row of the chain, an anchor to keep outside the control plane (`GET /v1/audit/head`). */
  head(opts: RequestOptions = {}): Promise<AuditHead> {
    return this.http.request('GET', '/v1/audit/head', AuditHead, opts);
  }
}

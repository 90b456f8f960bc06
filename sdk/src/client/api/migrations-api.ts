import type { MigrationInput } from '@plcfleet/protocols';
import { ApplyMigrationResponse, MigrationList, MigrationView } from '@plcfleet/protocols';
import type { HttpClient } from '../http';
import { type RequestOptions, seg } from './request-options';

/** Migration definitions: immutable revisions (`/v1/migrations`). */
export class MigrationsApi {
  constructor(private readonly http: HttpClient) {}

  /**
   * Applies a migration (`POST /v1/migrations`): a document object (sent as JSON) or
   * YAML text (sent as `application/yaml`). With `validateOnly` the server checks it
   * without storing. Applying the same revision twice is a no-op (`created: false`);
   * the same revision with other content is a `CONFLICT`.
   */
  apply(
    document: MigrationInput | string,
    opts: RequestOptions & { validateOnly?: boolean } = {},
  ): Promise<ApplyMigrationResponse> {
    const query = { validateOnly: opts.validateOnly ? 'true' : undefined };
    return typeof document === 'string'
      ? this.http.request('POST', '/v1/migrations', ApplyMigrationResponse, {
          signal: opts.signal,
          query,
          text: document,
          contentType: 'application/yaml',
        })
      : this.http.request('POST', '/v1/migrations', ApplyMigrationResponse, {
          signal: opts.signal,
          query,
          body: document,
        });
  }

  /** Every stored revision (`GET /v1/migrations`). */
  async list(opts: RequestOptions = {}): Promise<MigrationView[]> {
    return (await this.http.request('GET', '/v1/migrations', MigrationList, opts)).migrations;
  }

  /** The latest revision of a migration, or one revision (`GET /v1/migrations/:id`). */
  get(id: string, opts: RequestOptions & { revision?: number } = {}): Promise<MigrationView> {
    return this.http.request('GET', `/v1/migrations/${seg(id)}`, MigrationView, {
      signal: opts.signal,
      query: { revision: opts.revision },
    });
  }
}

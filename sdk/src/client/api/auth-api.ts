import type { CreateTokenRequest, TokenView } from '@plcfleet/protocols';
import { CreateTokenResponse, RevokeTokenResponse, TokenList, WhoAmIResponse } from '@plcfleet/protocols';
import type { z } from 'zod';
import type { HttpClient } from '../http';
import { type RequestOptions, seg } from './request-options';

/** Users and API tokens (`/v1/whoami`, `/v1/tokens`). */
export class AuthApi {
  constructor(private readonly http: HttpClient) {}

  /** Who the client's token belongs to (`GET /v1/whoami`). */
  whoami(opts: RequestOptions = {}): Promise<WhoAmIResponse> {
    return this.http.request('GET', '/v1/whoami', WhoAmIResponse, opts);
  }

  /** Creates a user token with a role; the token is shown once (`POST /v1/tokens`, admin). */
  createToken(
    req: CreateTokenRequest,
    opts: RequestOptions = {},
  ): Promise<z.output<typeof CreateTokenResponse>> {
    return this.http.request('POST', '/v1/tokens', CreateTokenResponse, { ...opts, body: req });
  }

  /** Every token, never its secret (`GET /v1/tokens`, admin). */
  async listTokens(opts: RequestOptions = {}): Promise<TokenView[]> {
    return (await this.http.request('GET', '/v1/tokens', TokenList, opts)).tokens;
  }

  /** Revokes a token (`DELETE /v1/tokens/:id`, admin). */
  async revokeToken(id: string, opts: RequestOptions = {}): Promise<boolean> {
    return (await this.http.request('DELETE', `/v1/tokens/${seg(id)}`, RevokeTokenResponse, opts)).revoked;
  }
}

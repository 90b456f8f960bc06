/** OPC UA security settings: message security modes and policies, and the rule that `none` needs consent. */
import { MessageSecurityMode, SecurityPolicy } from 'node-opcua';
import { PlantIoError } from '../edge-agent-error';

/** The security a server offers (one mode per server: no weaker fallback endpoint). */
export type SecurityChoice = 'none' | 'sign' | 'sign-and-encrypt';

/** Policies offered with `sign` and `sign-and-encrypt` (node-opcua 2.182 has all three). */
export const SECURE_POLICIES: SecurityPolicy[] = [
  SecurityPolicy.Basic256Sha256,
  SecurityPolicy.Aes128_Sha256_RsaOaep,
  SecurityPolicy.Aes256_Sha256_RsaPss,
];

/** The node-opcua endpoint settings of a choice. */
export function endpointSecurity(choice: SecurityChoice): {
  securityModes: MessageSecurityMode[];
  securityPolicies: SecurityPolicy[];
} {
  switch (choice) {
    case 'none':
      // the secure policies are listed only so that a user name token policy is offered:
      // node-opcua then encrypts the password with the server certificate on the open channel
      return {
        securityModes: [MessageSecurityMode.None],
        securityPolicies: [SecurityPolicy.None, SecurityPolicy.Basic256Sha256],
      };
    case 'sign':
      return { securityModes: [MessageSecurityMode.Sign], securityPolicies: SECURE_POLICIES };
    case 'sign-and-encrypt':
      return { securityModes: [MessageSecurityMode.SignAndEncrypt], securityPolicies: SECURE_POLICIES };
  }
}

/** Parses a `--security` value; `none` is refused unless `insecureAllowed`. */
export function parseSecurityChoice(value: string, insecureAllowed: boolean): SecurityChoice {
  if (value !== 'none' && value !== 'sign' && value !== 'sign-and-encrypt')
    throw new PlantIoError('BAD_CONFIG', `--security must be none, sign or sign-and-encrypt, not "${value}"`);
  if (value === 'none' && !insecureAllowed)
    throw new PlantIoError(
      'INSECURE',
      'security "none" faces the plant network unprotected; add --insecure to accept',
    );
  return value;
}

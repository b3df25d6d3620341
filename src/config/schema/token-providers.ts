/**
 * The keys of one `tokenProviders:` item, per kind (aeris, OAuth2 client credentials, OAuth2
 * PKCE, static).
 */
import {
  checkEnum,
  checkHttpUrl,
  checkInt,
  checkNonEmptyString,
  checkString,
  parseDuration,
} from '../formats.js';
import type { FieldSpec, VariantListSpec } from '../spec.js';
import { idCheck } from './checks.js';

const tokenCommon: Record<string, FieldSpec> = {
  id: { doc: 'Name a webhook refers to in auth.provider.', required: true, check: idCheck },
  kind: {
    doc: 'aeris | oauth2-client-credentials | oauth2-pkce | static',
    required: true,
    check: checkString,
  },
  refreshSkew: {
    doc: 'Refresh this long before expiry; 0 = at 80% of the lifetime.',
    default: 0,
    check: parseDuration,
  },
};

export const tokenProviderSpec: VariantListSpec = {
  key: 'kind',
  common: tokenCommon,
  variants: {
    aeris: {
      fields: {
        baseUrl: { doc: 'Aeris API base; GET {baseUrl}/api/token.', required: true, check: checkHttpUrl },
        clientId: { doc: 'Aeris clientId.', required: true, check: checkNonEmptyString },
        cs: { doc: 'Aeris client secret.', required: true, sensitive: true, check: checkNonEmptyString },
        accountId: { doc: 'Aeris account id.', required: true, check: (v) => checkNonEmptyString(String(v)) },
        as: {
          doc: 'Aeris account secret (API key).',
          required: true,
          sensitive: true,
          check: checkNonEmptyString,
        },
        requesterId: { doc: 'E-mail of the requesting user.', required: true, check: checkNonEmptyString },
      },
    },
    'oauth2-client-credentials': {
      fields: {
        tokenUrl: { doc: 'OAuth2 token endpoint.', required: true, check: checkHttpUrl },
        clientId: { doc: 'OAuth2 client id.', required: true, check: checkNonEmptyString },
        clientSecret: {
          doc: 'OAuth2 client secret.',
          required: true,
          sensitive: true,
          check: checkNonEmptyString,
        },
        scope: { doc: 'Space-separated scopes.', default: '', check: checkString },
        audience: { doc: 'audience parameter, where the server wants one.', default: '', check: checkString },
        authMethod: {
          doc: 'client_secret_post or client_secret_basic.',
          default: 'client_secret_basic',
          check: checkEnum(['client_secret_post', 'client_secret_basic']),
        },
      },
    },
    'oauth2-pkce': {
      fields: {
        issuer: {
          doc: 'Issuer URL for discovery; or authorizeUrl + tokenUrl.',
          default: '',
          check: (v) => (v === '' ? '' : checkHttpUrl(v)),
        },
        authorizeUrl: {
          doc: 'Authorization endpoint.',
          default: '',
          check: (v) => (v === '' ? '' : checkHttpUrl(v)),
        },
        tokenUrl: { doc: 'Token endpoint.', default: '', check: (v) => (v === '' ? '' : checkHttpUrl(v)) },
        clientId: { doc: 'Client id (package key).', required: true, check: checkNonEmptyString },
        clientSecret: {
          doc: 'Client secret, for confidential clients.',
          default: '',
          sensitive: true,
          check: checkString,
        },
        scope: {
          doc: 'Scopes to request (add offline_access where the server needs it for refresh tokens).',
          default: '',
          check: checkString,
        },
        redirectPort: {
          doc: 'Loopback port of the login redirect listener; 0 = any free port.',
          default: 0,
          check: checkInt(0, 65535),
        },
        redirectPath: { doc: 'Path of the redirect URI.', default: '/callback', check: checkNonEmptyString },
      },
      refine: (v) =>
        v.issuer === '' && (v.authorizeUrl === '' || v.tokenUrl === '')
          ? [['issuer', 'give issuer, or both authorizeUrl and tokenUrl']]
          : [],
    },
    static: {
      fields: {
        token: { doc: 'Bearer token.', default: '', sensitive: true, check: checkString },
        username: { doc: 'Basic auth user (instead of token).', default: '', check: checkString },
        password: { doc: 'Basic auth password.', default: '', sensitive: true, check: checkString },
      },
      refine: (v) =>
        v.token === '' && v.username === '' ? [['token', 'give token, or username and password']] : [],
    },
  },
};

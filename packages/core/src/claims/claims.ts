/**
 * What a resource asks exclusive use of on its host. Kinds declare claims
 * (`KindHandler.claims`); the planner refuses two resources of one desired set
 * with clashing claims, and namespace mode refuses a clash with a sibling
 * namespace — one model for both.
 */
export type Claim = PortClaim | NameClaim;

/** A listening port. */
export interface PortClaim {
  readonly type: 'port';
  readonly port: number;
  /** `tcp`, `udp`, …: separate port spaces, so `53/udp` and `53/tcp` never clash. */
  readonly protocol: string;
  /** The address bound, or undefined for every interface (which clashes with any bind of the port). */
  readonly bind?: string | undefined;
  /** The claim as the config wrote it (`127.0.0.1:8080:80`), for messages. */
  readonly label: string;
}

/** A name that must be unique on the host within one space. */
export interface NameClaim {
  readonly type: 'name';
  /** What is named, for messages: `container name`. Names clash only within one space. */
  readonly space: string;
  readonly value: string;
}

/** A resource's claims on its host. */
export interface HostClaims {
  /** The host, as the resource's `host` attribute names it. */
  readonly host: string;
  readonly claims: readonly Claim[];
  /**
   * What the kind could not turn into a claim, one phrase each without the
   * address (``port range `8000-8010:80` is not checked for conflicts``): the
   * planner shows them as warnings.
   */
  readonly unchecked?: readonly string[] | undefined;
}

/** True when two claims on one host cannot both hold. */
export function claimsClash(a: Claim, b: Claim): boolean {
  if (a.type === 'port' && b.type === 'port') {
    return (
      a.port === b.port &&
      a.protocol === b.protocol &&
      (a.bind === undefined || b.bind === undefined || a.bind === b.bind)
    );
  }
  if (a.type === 'name' && b.type === 'name') return a.space === b.space && a.value === b.value;
  return false;
}

/** How a port claim reads in a message: `8080`, or `53/udp` for another protocol than tcp. */
export function portText(claim: PortClaim): string {
  return claim.protocol === 'tcp' ? String(claim.port) : `${claim.port}/${claim.protocol}`;
}

/**
 * The key claims are bucketed by so only candidates are compared: a port
 * claim's port and protocol, a name claim's space and name.
 */
export function claimSlot(host: string, claim: Claim): string {
  return claim.type === 'port'
    ? `${host}\0port\0${claim.port}/${claim.protocol}`
    : `${host}\0name\0${claim.space}\0${claim.value}`;
}

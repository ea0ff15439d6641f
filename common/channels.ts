/**
 * What a channel is: where it is (location: any name the plant uses, DE, NDE, gearbox_in, fan...),
 * which direction it looks (axis: X, Y, Z, radial, axial... free name), what it measures
 * (quantity) and in which units. Pure: no I/O, no configuration format; the collector, the wire
 * format, the processor and the models all read it from here.
 *
 * Adding a sensor kind is a change in one place, the two tables below: a quantity in QUANTITIES
 * (with how the models turn it into acceleration) and its units in UNITS (with the factor to the
 * quantity's canonical unit). Everything downstream (config validation, frame checks, the
 * models' conversion) reads these tables and needs no other edit. Scalar features (temperature,
 * pressure...) can later join QUANTITIES with `kind: 'scalar'`.
 */

/** How a quantity becomes the acceleration the vibration models analyse. */
export interface QuantityDefinition {
  /** 'waveform': sampled vibration the window analysis takes. Room for 'scalar' features later. */
  kind: 'waveform';
  /** SI unit the UNITS factors lead to. */
  canonicalUnit: string;
  /** Time derivatives from this quantity to acceleration (velocity 1, displacement 2). */
  derivativesToAcceleration: 0 | 1 | 2;
}

export const QUANTITIES = {
  acceleration: { kind: 'waveform', canonicalUnit: 'm/s²', derivativesToAcceleration: 0 },
  velocity: { kind: 'waveform', canonicalUnit: 'm/s', derivativesToAcceleration: 1 },
  displacement: { kind: 'waveform', canonicalUnit: 'm', derivativesToAcceleration: 2 },
} as const satisfies Record<string, QuantityDefinition>;

export type Quantity = keyof typeof QUANTITIES;

export interface UnitDefinition {
  quantity: Quantity;
  /** Multiply a value in these units by this to get the quantity's canonical (SI) unit. */
  toCanonical: number;
}

/** Standard gravity (ISO 80000-3), the g of accelerometers. */
export const STANDARD_GRAVITY_M_S2 = 9.80665;

/** Every unit spelling we accept, as sensors and OPC UA servers write them. */
export const UNITS: Readonly<Record<string, UnitDefinition>> = {
  g: { quantity: 'acceleration', toCanonical: STANDARD_GRAVITY_M_S2 },
  'm/s²': { quantity: 'acceleration', toCanonical: 1 },
  'm/s^2': { quantity: 'acceleration', toCanonical: 1 },
  'm/s2': { quantity: 'acceleration', toCanonical: 1 },
  'mm/s': { quantity: 'velocity', toCanonical: 1e-3 },
  'in/s': { quantity: 'velocity', toCanonical: 0.0254 },
  'm/s': { quantity: 'velocity', toCanonical: 1 },
  // Both "micro" code points: U+00B5 (micro sign, what keyboards type) and U+03BC (Greek mu).
  µm: { quantity: 'displacement', toCanonical: 1e-6 },
  μm: { quantity: 'displacement', toCanonical: 1e-6 },
  um: { quantity: 'displacement', toCanonical: 1e-6 },
  mm: { quantity: 'displacement', toCanonical: 1e-3 },
  mil: { quantity: 'displacement', toCanonical: 25.4e-6 },
};

/** The meaning of one channel, fully resolved. */
export interface ChannelMeaning {
  location: string;
  /** '' when neither declared nor derivable from the id. */
  axis: string;
  quantity: Quantity;
  units: string;
}

/** What one source (a config entry, a frame, an OPC UA server) says about a channel; all optional ('' = not declared). */
export interface ChannelDeclaration {
  location?: string;
  axis?: string;
  quantity?: string;
  units?: string;
}

/** A declaration and where it comes from, for messages ("processor config machines.p1.channels.DE_V"). */
export interface DeclarationSource {
  from: string;
  declaration: ChannelDeclaration;
}

const NAME = /^[A-Za-z0-9_.-]{1,64}$/;

export function isQuantity(value: string): value is Quantity {
  return Object.hasOwn(QUANTITIES, value);
}

export function unitDefinition(units: string): UnitDefinition | undefined {
  return Object.hasOwn(UNITS, units) ? UNITS[units] : undefined;
}

export function knownUnits(quantity?: Quantity): string[] {
  return Object.entries(UNITS)
    .filter(([, u]) => quantity === undefined || u.quantity === quantity)
    .map(([name]) => name);
}

/**
 * Today's convention, used only when nothing is declared: a channel id <location>_<axis> (DE_X,
 * gearbox_in_radial). Split at the last '_' so a location may itself contain '_'. An id without
 * '_' is a location with no axis.
 */
export function locationAxisFromId(channelId: string): { location: string; axis: string } {
  const at = channelId.lastIndexOf('_');
  if (at <= 0 || at === channelId.length - 1) return { location: channelId, axis: '' };
  return { location: channelId.slice(0, at), axis: channelId.slice(at + 1) };
}

/**
 * What is wrong with one declaration on its own (unknown units or quantity, units that do not
 * fit the quantity, names that are not names), or undefined. Config schemas call it so a bad
 * entry fails at startup.
 */
export function declarationProblem(declaration: ChannelDeclaration): string | undefined {
  const d = declared(declaration);
  if (d.location !== undefined && !NAME.test(d.location)) return `location '${d.location}' must be 1-64 letters, digits, _ . -`;
  if (d.axis !== undefined && !NAME.test(d.axis)) return `axis '${d.axis}' must be 1-64 letters, digits, _ . -`;
  if (d.quantity !== undefined && !isQuantity(d.quantity))
    return `quantity '${d.quantity}' is not one of ${Object.keys(QUANTITIES).join(', ')}`;
  if (d.units !== undefined) {
    const u = unitDefinition(d.units);
    if (u === undefined) return unknownUnits(d.units);
    if (d.quantity !== undefined && u.quantity !== d.quantity) return mismatch(d.units, u.quantity, d.quantity);
  }
  return undefined;
}

/** The fields actually declared: an empty string is "not declared" (a v2 frame writes absent fields so). */
function declared(d: ChannelDeclaration): ChannelDeclaration {
  const out: ChannelDeclaration = {};
  for (const k of ['location', 'axis', 'quantity', 'units'] as const) if (d[k] !== undefined && d[k] !== '') out[k] = d[k];
  return out;
}

function unknownUnits(units: string): string {
  return `units '${units}' are not known (known: ${knownUnits().join(', ')})`;
}

function mismatch(units: string, measures: Quantity, declared: string): string {
  return `units '${units}' measure ${measures}, not ${declared} (${declared} units: ${isQuantity(declared) ? knownUnits(declared).join(', ') : '?'})`;
}

export type Resolution = { ok: true; meaning: ChannelMeaning } | { ok: false; problem: string };

/**
 * Resolve a channel's meaning from its sources, first listed wins field by field; what no source
 * declares comes from the units table (quantity) or the id convention (location, axis). Units
 * are required: without them a waveform cannot be read, and guessing 'g' would silently mis-scale
 * a velocity sensor.
 */
export function resolveChannel(channelId: string, sources: readonly DeclarationSource[]): Resolution {
  const pick = (field: keyof ChannelDeclaration): { value: string; from: string } | undefined => {
    for (const s of sources) {
      const v = s.declaration[field];
      if (v !== undefined && v !== '') return { value: v, from: s.from };
    }
    return undefined;
  };
  for (const s of sources) {
    const p = declarationProblem(s.declaration);
    if (p !== undefined) return { ok: false, problem: `channel ${channelId}: ${p} (from ${s.from})` };
  }
  const units = pick('units');
  if (units === undefined)
    return {
      ok: false,
      problem: `channel ${channelId}: no units declared (checked: ${sources.map((s) => s.from).join(', ') || 'nothing'})`,
    };
  const unit = unitDefinition(units.value)!;
  const quantity = pick('quantity');
  if (quantity !== undefined && quantity.value !== unit.quantity)
    return {
      ok: false,
      problem: `channel ${channelId}: ${mismatch(units.value, unit.quantity, quantity.value)}: units from ${units.from}, quantity from ${quantity.from}`,
    };
  const fallback = locationAxisFromId(channelId);
  return {
    ok: true,
    meaning: {
      location: pick('location')?.value ?? fallback.location,
      axis: pick('axis')?.value ?? fallback.axis,
      quantity: unit.quantity,
      units: units.value,
    },
  };
}

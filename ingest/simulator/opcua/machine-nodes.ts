/**
 * The address space of one simulated machine (see `ingest/opcua/address-space-model.ts` for the
 * tree): identification and state after OPC 40001-1 Machinery, waveforms as OPC 10000-8
 * YArrayItemType, energy values as AnalogItemType. Builds the nodes and hands back the ones the
 * server writes. Needs the DI, IA and Machinery nodesets loaded (`MACHINE_NODESETS`).
 */
import {
  type AddressSpace,
  coerceLocalizedText,
  DataType,
  type EUInformation,
  makeEUInformation,
  type Namespace,
  NodeClass,
  nodesets,
  promoteToStateMachine,
  StatusCodes,
  standardUnits,
  type UAObject,
  type UAStateMachineEx,
  type UAVariable,
  Variant,
  VariantArrayType,
} from 'node-opcua';
import { PdmError } from '../../../common/errors.ts';
import { SCALAR_FEATURES, type ScalarFeature } from '../../../common/scalar-features.ts';
import {
  BLOCK_START_TIME,
  DI_NAMESPACE_URI,
  ENERGY_FOLDER,
  ENERGY_VARIABLES,
  IDENTIFICATION_FOLDER,
  MACHINERY_BUILDING_BLOCKS,
  MACHINERY_ITEM_STATE,
  MACHINERY_NAMESPACE_URI,
  MACHINES_FOLDER,
  type MachineryItemStateName,
  NAMESPACE_URI,
  OPERATING_MODE,
  OPERATING_STATE,
  SAMPLE_RATE,
  SEQUENCE_NUMBER,
  VIBRATION_FOLDER,
  WAVEFORM,
} from '../../opcua/address-space-model.ts';
import type { ChannelSpec, EnergyReading } from '../signal-source.ts';
import type { ShownState } from './operating-state.ts';

/** Standard nodesets every machine server loads: the base, Devices (DI), its IA companion that Machinery requires, Machinery. */
export const MACHINE_NODESETS = [nodesets.standard, nodesets.di, nodesets.ia, nodesets.machinery];

export interface MachineIdentification {
  manufacturer?: string;
  model?: string;
  serialNumber?: string;
  /** What the machine is (pump, fan...): Machinery's DeviceClass. */
  machineType?: string;
  yearOfConstruction?: number;
  productInstanceUri?: string;
}

/** Acceleration in g: UNECE code K40 ("standard acceleration of free fall"). */
export const G_UNIT: EUInformation = makeEUInformation('K40', 'g', 'standard acceleration of free fall');
/** Range of the simulated accelerometers, g (a ±50 g sensor). */
export const WAVEFORM_RANGE_G = { low: -50, high: 50 };

const UNIT_BY_SYMBOL: Record<string, EUInformation> = {
  kW: standardUnits.kilowatt,
  A: standardUnits.ampere,
  V: standardUnits.volt,
  '1': standardUnits.one,
  '°C': standardUnits.degree_celsius,
  rpm: standardUnits.revolutions_per_minute,
  '%': standardUnits.percent,
};
/** Plausible ranges of the energy values (EURange): what a meter of an industrial motor covers. */
const ENERGY_RANGE: Record<string, { low: number; high: number }> = {
  ActivePower: { low: 0, high: 50_000 },
  Current: { low: 0, high: 10_000 },
  Voltage: { low: 0, high: 20_000 },
  PowerFactor: { low: 0, high: 1 },
  Temperature: { low: -40, high: 200 },
  Speed: { low: 0, high: 60_000 },
  Load: { low: 0, high: 150 },
};
export const ENERGY_KEYS: Record<string, keyof EnergyReading> = {
  ActivePower: 'powerKw',
  Current: 'currentA',
  Voltage: 'voltageV',
  PowerFactor: 'powerFactor',
  Temperature: 'temperatureC',
  Speed: 'speedRpm',
  Load: 'loadPct',
};

export interface ChannelNodes {
  spec: ChannelSpec;
  waveform: UAVariable;
  sequence: UAVariable;
  blockStart: UAVariable;
}

/** A scalar sensor's value nodes (IO-Link style: overall values, no waveform), by browse name. */
export interface ScalarChannelNodes {
  spec: ChannelSpec;
  values: Map<ScalarFeature['browseName'], UAVariable>;
}

export interface MachineNodes {
  namespace: Namespace;
  machine: UAObject;
  /** Waveform channels (empty for a machine of scalar sensors). */
  channels: ChannelNodes[];
  /** Scalar sensors (empty for a machine of waveform channels). */
  scalars: ScalarChannelNodes[];
  energy: Map<string, UAVariable>;
  /** Show a state on OperatingState, OperatingMode and MachineryItemState (only what changed is written). */
  showState(state: ShownState): void;
}

export function buildMachineNodes(
  addressSpace: AddressSpace,
  machineId: string,
  identification: MachineIdentification,
  channels: readonly ChannelSpec[],
  /** waveform: each channel a YArrayItemType waveform; scalar: each channel a sensor of overall values. */
  output: 'waveform' | 'scalar' = 'waveform',
): MachineNodes {
  const nsDi = addressSpace.getNamespaceIndex(DI_NAMESPACE_URI);
  const nsMachinery = addressSpace.getNamespaceIndex(MACHINERY_NAMESPACE_URI);
  if (nsDi < 0 || nsMachinery < 0)
    throw new PdmError(
      'PDM_ERR_OPCUA_NODE',
      `machine ${machineId}: the DI and Machinery nodesets are not loaded (OPCUAServer nodeset_filename: MACHINE_NODESETS)`,
    );
  const ns = addressSpace.registerNamespace(NAMESPACE_URI);

  // The collectors look for the machine among the children of Objects; Machinery clients look in Machines.
  const machine = ns.addObject({
    organizedBy: addressSpace.rootFolder.objects,
    browseName: machineId,
    description: `simulated ${identification.machineType ?? 'machine'} ${machineId}`,
  });
  const machines = addressSpace.rootFolder.objects.getFolderElementByName(MACHINES_FOLDER, nsMachinery);
  machines?.addReference({ referenceType: 'Organizes', nodeId: machine });

  const identificationNode = addIdentification(addressSpace, nsDi, nsMachinery, machine, machineId, identification);
  const blocks = ns.addObject({
    componentOf: machine,
    browseName: { name: MACHINERY_BUILDING_BLOCKS, namespaceIndex: nsMachinery },
    typeDefinition: 'FolderType',
  });
  blocks.addReference({ referenceType: 'HasAddIn', nodeId: identificationNode });
  const stateType = addressSpace.findObjectType('MachineryItemState_StateMachineType', nsMachinery);
  if (!stateType)
    throw new PdmError(
      'PDM_ERR_OPCUA_NODE',
      `machine ${machineId}: MachineryItemState_StateMachineType missing from the Machinery nodeset`,
    );
  const itemState: UAStateMachineEx = promoteToStateMachine(
    stateType.instantiate({ addInOf: blocks, browseName: { name: MACHINERY_ITEM_STATE, namespaceIndex: nsMachinery } }),
  );
  itemState.setState('NotExecuting');
  const operatingState = ns.addVariable({
    componentOf: machine,
    browseName: OPERATING_STATE,
    description: 'Running | Stopped | Failed',
    dataType: 'String',
    value: { dataType: DataType.String, value: 'Stopped' },
  });
  const operatingMode = ns.addVariable({
    componentOf: machine,
    browseName: OPERATING_MODE,
    description: 'operating mode of the schedule (e.g. full, part), or stopped',
    dataType: 'String',
    value: { dataType: DataType.String, value: 'stopped' },
  });

  const vibration = ns.addObject({ componentOf: machine, browseName: VIBRATION_FOLDER });
  const channelNodes = output === 'waveform' ? channels.map((spec) => addChannel(ns, vibration, machineId, spec)) : [];
  const scalarNodes = output === 'scalar' ? channels.map((spec) => addScalarChannel(ns, vibration, spec)) : [];

  const energyFolder = ns.addObject({ componentOf: machine, browseName: ENERGY_FOLDER });
  const energy = new Map<string, UAVariable>();
  for (const v of ENERGY_VARIABLES) {
    const node = ns.addAnalogDataItem({
      componentOf: energyFolder,
      browseName: v.browseName,
      dataType: 'Double',
      minimumSamplingInterval: 0,
      engineeringUnits: UNIT_BY_SYMBOL[v.unit],
      engineeringUnitsRange: ENERGY_RANGE[v.browseName],
      value: { dataType: DataType.Double, value: 0 },
    });
    energy.set(v.browseName, node);
  }

  let shown: ShownState | undefined;
  const showState = (state: ShownState): void => {
    if (shown?.operatingState !== state.operatingState)
      operatingState.setValueFromSource({ dataType: DataType.String, value: state.operatingState });
    if (shown?.mode !== state.mode) operatingMode.setValueFromSource({ dataType: DataType.String, value: state.mode });
    if (shown?.machineryItemState !== state.machineryItemState)
      itemState.setState(state.machineryItemState satisfies MachineryItemStateName);
    shown = state;
  };
  return { namespace: ns, machine, channels: channelNodes, scalars: scalarNodes, energy, showState };
}

/** Machinery's Identification add-in (MachineIdentificationType, browse name DI:Identification). */
function addIdentification(
  addressSpace: AddressSpace,
  nsDi: number,
  nsMachinery: number,
  machine: UAObject,
  machineId: string,
  id: MachineIdentification,
): UAObject {
  const type = addressSpace.findObjectType('MachineIdentificationType', nsMachinery);
  if (!type) throw new PdmError('PDM_ERR_OPCUA_NODE', `machine ${machineId}: MachineIdentificationType missing from the Machinery nodeset`);
  const optionals = ['Model', 'DeviceClass', ...(id.yearOfConstruction !== undefined ? ['YearOfConstruction'] : [])];
  const node = type.instantiate({ addInOf: machine, browseName: { name: IDENTIFICATION_FOLDER, namespaceIndex: nsDi }, optionals });
  const set = (name: string, dataType: DataType, value: unknown): void => {
    const prop = node.getPropertyByName(name) ?? node.getComponentByName(name);
    if (!prop || prop.nodeClass !== NodeClass.Variable)
      throw new PdmError('PDM_ERR_OPCUA_NODE', `machine ${machineId}: Identification has no ${name}`);
    (prop as UAVariable).setValueFromSource({ dataType, value });
  };
  set('Manufacturer', DataType.LocalizedText, coerceLocalizedText(id.manufacturer ?? 'pdm simulator'));
  set('Model', DataType.LocalizedText, coerceLocalizedText(id.model ?? 'generic'));
  set('SerialNumber', DataType.String, id.serialNumber ?? machineId);
  set('ProductInstanceUri', DataType.String, id.productInstanceUri ?? `urn:pdm:machine:${machineId}`);
  set('DeviceClass', DataType.String, id.machineType ?? 'machine');
  if (id.yearOfConstruction !== undefined) set('YearOfConstruction', DataType.UInt16, id.yearOfConstruction);
  return node;
}

/** Units of the scalar values as OPC UA EUInformation (UNECE codes). */
const SCALAR_EU: Record<ScalarFeature['unit'], EUInformation> = {
  'mm/s': makeEUInformation('C16', 'mm/s', 'millimetre per second'),
  g: G_UNIT,
  '1': standardUnits.one,
  '°C': standardUnits.degree_celsius,
};

/**
 * A scalar sensor: Vibration/<channel>/{VelocityRms, AccelerationRms, AccelerationPeak,
 * CrestFactor, Temperature}, Double AnalogItemType with EngineeringUnits, no waveform.
 */
function addScalarChannel(ns: Namespace, vibration: UAObject, spec: ChannelSpec): ScalarChannelNodes {
  const chan = ns.addObject({ componentOf: vibration, browseName: spec.id });
  const values = new Map<ScalarFeature['browseName'], UAVariable>();
  for (const f of SCALAR_FEATURES) {
    const node = ns.addAnalogDataItem({
      componentOf: chan,
      browseName: f.browseName,
      dataType: 'Double',
      minimumSamplingInterval: 0,
      engineeringUnits: SCALAR_EU[f.unit],
      engineeringUnitsRange: { low: f.range[0], high: f.range[1] },
      value: { dataType: DataType.Double, value: 0 },
    });
    // No value before the sensor's first update: a subscriber must not take the placeholder 0 for a reading.
    node.setValueFromSource({ dataType: DataType.Double, value: 0 }, StatusCodes.BadWaitingForInitialData);
    values.set(f.browseName, node);
  }
  return { spec, values };
}

function addChannel(ns: Namespace, vibration: UAObject, machineId: string, spec: ChannelSpec): ChannelNodes {
  const chan = ns.addObject({ componentOf: vibration, browseName: spec.id });
  const waveform = ns.addYArrayItem({
    componentOf: chan,
    browseName: WAVEFORM,
    title: `${machineId} ${spec.id} acceleration`,
    dataType: DataType.Float as never, // addYArrayItem coerces a DataType number, not the name
    engineeringUnitsRange: WAVEFORM_RANGE_G,
    instrumentRange: WAVEFORM_RANGE_G,
    engineeringUnits: G_UNIT,
    axisScaleType: 'Linear',
    xAxisDefinition: {
      engineeringUnits: standardUnits.second,
      title: 'time',
      euRange: { low: 0, high: (spec.blockSize - 1) / spec.sampleRateHz },
      axisScaleType: 'Linear' as never,
      axisSteps: null,
    },
    value: new Variant({ dataType: DataType.Float, arrayType: VariantArrayType.Array, value: new Float32Array(spec.blockSize) }),
  });
  // addYArrayItem leaves these to the type's defaults: EngineeringUnits empty, sampling interval
  // unspecified. 0 = exception-based: every block is a change the subscription reports.
  waveform.minimumSamplingInterval = 0;
  (waveform as UAVariable & { engineeringUnits?: UAVariable }).engineeringUnits?.setValueFromSource({
    dataType: DataType.ExtensionObject,
    value: G_UNIT,
  });
  const sequence = ns.addVariable({
    componentOf: chan,
    browseName: SEQUENCE_NUMBER,
    dataType: 'UInt64',
    minimumSamplingInterval: 0,
    value: { dataType: DataType.UInt64, arrayType: VariantArrayType.Scalar, value: [0, 0] },
  });
  const blockStart = ns.addVariable({
    componentOf: chan,
    browseName: BLOCK_START_TIME,
    dataType: 'DateTime',
    minimumSamplingInterval: 0,
    value: { dataType: DataType.DateTime, value: new Date(0) },
  });
  ns.addAnalogDataItem({
    componentOf: chan,
    browseName: SAMPLE_RATE,
    dataType: 'Double',
    engineeringUnits: standardUnits.hertz,
    engineeringUnitsRange: { low: 0, high: 1e6 },
    value: { dataType: DataType.Double, value: spec.sampleRateHz },
  });
  return { spec, waveform, sequence, blockStart };
}

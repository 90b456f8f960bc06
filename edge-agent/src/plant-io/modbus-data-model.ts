/** The storage a {@link startModbusServer} serves: four Modbus tables, answering with exceptions. */
export interface ModbusDataModel {
  /** Reads coils or discrete inputs; throws a ModbusException for unmapped addresses. */
  readBits(table: 'coil' | 'discrete', address: number, count: number): boolean[];
  /** Reads holding or input registers; throws a ModbusException for unmapped addresses. */
  readRegisters(table: 'holding' | 'input', address: number, count: number): number[];
  /** Writes coils, all or nothing; throws a ModbusException when any is not writable. */
  writeCoils(address: number, values: boolean[]): void;
  /** Writes holding registers, all or nothing; throws a ModbusException when any is not writable or valid. */
  writeRegisters(address: number, values: number[]): void;
}

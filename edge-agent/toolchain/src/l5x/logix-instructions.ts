/**
 * The mnemonics of the Logix 5000 instruction set a ladder rung may use
 * (Rockwell's instruction references: general 1756-RM003, process 1756-RM006,
 * motion MOTION-RM002, GuardLogix safety 1756-RM093, equipment phase and
 * sequence). `compile` of an L5X calls an instruction outside this set and
 * the file's AOIs unknown (an error: Logix would not verify the rung); one
 * inside it that the model does not run is a warning.
 */
const GROUPS = [
  // bit, timer and counter, input/output
  'XIC XIO OTE OTL OTU ONS OSR OSF OSRI OSFI TON TOF RTO TONR TOFR RTOR CTU CTD CTUD RES',
  'MSG GSV SSV IOT',
  // compare, compute, move and logical (the IEC-named forms of v32+ too)
  'CMP EQU EQ NEQ NE LES LT LEQ LE GRT GT GEQ GE LIM MEQ',
  'CPT ADD SUB MUL DIV MOD SQR SQRT NEG ABS XPY LN LOG SIN COS TAN ASN ACS ATN DEG RAD TOD FRD TRN',
  'LIMIT ISINF ISNAN TRUNC ASIN ACOS ATAN ATAN2 TO_BCD BCD_TO SCL SCP',
  'MOV MOVE MVM BTD BTDT MVMT CLR SWPB AND OR XOR NOT BAND BOR BXOR BNOT',
  // array (file) and sequencer, shift
  'FAL FSC COP CPS FLL AVE SRT STD SIZE FBC DDT DTR SQI SQO SQL BSL BSR FFL FFU LFL LFU',
  // program control
  'JMP LBL JSR JXR SBR RET TND MCR UID UIE AFI NOP EOT SFP SFR EVENT FOR BRK SUS HMIBC LV',
  // special, process, alarms
  'PID PIDE IMC CC MMC RMPS SCRV SOC INTG PI DERV HPF LPF NTCH LDLG LDL2 DEDT FGEN ALMD ALMA ALM',
  // ASCII serial, string and conversion
  'ABL ACB ACL AHL ARD ARL AWA AWT CONCAT DELETE FIND INSERT MID DTOS STOD RTOS STOR UPPER LOWER',
  // equipment phase and sequence
  'PSC PCMD PFL PCLF PXRQ PRNP PPD PATT PDET POVR SATT SCLF SCMD SOVR SASI',
  // motion state, move, group, event, configuration, coordinated
  'MSO MSF MASD MASR MDO MDF MDS MAFR MAS MAH MAJ MAM MAG MCD MRP MCCP MCSV MAPC MATC MDAC',
  'MGS MGSD MGSR MGSP MAW MDW MAR MDR MAOC MDOC MAAT MRAT MAHD MRHD MCS MCLM MCCM MCCD MCT MCTP MCSD MCSR MDCC MCTO MDCO',
  // GuardLogix safety application instructions
  'ESTOP ROUT RIN ENPEN DCS DCST DCSTL DCSTM DCSRT DCM DCA DCAF SMAT THRS THRSE TSAM TSSM CROUT FPMS LC DIN FSBM SFX SDI SLS SOS SS1 SS2 SBC SPO MMVC CBCM CBIM CBSSM AVC',
] as const;

/** Every instruction name of the set, upper case. */
export const LOGIX_INSTRUCTIONS: ReadonlySet<string> = new Set(GROUPS.flatMap((g) => g.split(' ')));

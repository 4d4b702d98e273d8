// GSM 03.38 default alphabet and its extension table (extension characters take two septets).
const GSM7_BASIC =
  '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà';
const GSM7_EXT = '^{}\\[~]|€\f';
const BASIC = new Set(GSM7_BASIC);
const EXT = new Set(GSM7_EXT);

/** Length in the units one SMS segment counts: septets for GSM-7, UTF-16 code units for UCS-2. */
export function smsLength(text: string): { ucs2: boolean; units: number } {
  let septets = 0;
  for (const ch of text) {
    if (BASIC.has(ch)) septets += 1;
    else if (EXT.has(ch)) septets += 2;
    else return { ucs2: true, units: text.length };
  }
  return { ucs2: false, units: septets };
}

/** Whether the text fits one segment after SNS puts "DisplayName> " in front. */
export function fitsOneSegment(text: string, displayName: string): boolean {
  const whole = smsLength(`${displayName}> ${text}`);
  return whole.units <= (whole.ucs2 ? 70 : 160);
}

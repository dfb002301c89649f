// exceljs's streaming reader keeps only the last <t> it meets inside a string: a phonetic reading
// (<rPh>, which Japanese Excel writes above kanji) replaces the text of its shared string, and an
// inline string (<is>) made of several rich-text runs keeps its last run only. Either way a code
// would be imported as something else, silently. These rewrites give the reader each string's
// visible text as one plain <t>, before it sees the part. Pure string functions, no I/O.

/** A phonetic run (`<rPh …>…</rPh>` or an empty `<rPh/>`), any namespace prefix. */
const PHONETIC_RUN = /<(?:[\w.-]+:)?rPh\b[^>]*?(?:\/>|>[\s\S]*?<\/(?:[\w.-]+:)?rPh\s*>)/g;

/** An inline string's content (`<is>…</is>`), any namespace prefix. */
const INLINE_STRING = /<((?:[\w.-]+:)?)is\b[^>]*?(?:\/>|>([\s\S]*?)<\/\1is\s*>)/g;

/** A text element's content (`<t …>…</t>`; an empty `<t/>` holds none). */
const TEXT_ELEMENT = /<((?:[\w.-]+:)?)t\b[^>]*?(?:\/>|>([\s\S]*?)<\/\1t\s*>)/g;

/** The shared strings part without phonetic runs: each string reads as the text Excel shows. */
export function dropPhoneticRuns(sharedStringsXml: string): string {
  return sharedStringsXml.includes("rPh") ? sharedStringsXml.replace(PHONETIC_RUN, "") : sharedStringsXml;
}

/**
 * A worksheet part whose inline strings each hold one <t> with the string's visible text: its runs
 * joined, phonetic runs left out. The text stays escaped as it was (a <t> holds only text).
 */
export function joinInlineRuns(worksheetXml: string): string {
  if (!/<(?:[\w.-]+:)?is\b/.test(worksheetXml)) return worksheetXml;
  return worksheetXml.replace(INLINE_STRING, (whole, prefix: string, content: string | undefined) => {
    if (content === undefined) return whole;
    const visible = content.replace(PHONETIC_RUN, "");
    const texts = [...visible.matchAll(TEXT_ELEMENT)].map((match) => match[2] ?? "");
    if (texts.length === 1 && visible === content) return whole;
    return `<${prefix}is><${prefix}t xml:space="preserve">${texts.join("")}</${prefix}t></${prefix}is>`;
  });
}

/**
 * The two narration catalogues and the one function that fills a template. A template's
 * placeholders are `{name}`; every placeholder must be given (a missing one is a bug, so it
 * throws) and every given parameter must be used by the English template (checked in tests).
 */
import { en, type MessageKey } from './en.js';
import { zh } from './zh.js';

export type Lang = 'en' | 'zh';
export const LANGS: readonly Lang[] = ['en', 'zh'];
export type { MessageKey };

const CATALOGUES: Record<Lang, Record<MessageKey, string>> = { en, zh };

export type Params = Record<string, string | number>;

const PLACEHOLDER = /\{(\w+)\}/g;

/** The placeholder names of a template, sorted and without repeats. */
export function placeholders(template: string): string[] {
  return [...new Set([...template.matchAll(PLACEHOLDER)].map((m) => m[1]))].sort();
}

/** Fills in `key`'s template of `lang`. */
export function format(lang: Lang, key: MessageKey, params: Params = {}): string {
  const template = CATALOGUES[lang][key];
  if (template === undefined) throw new Error(`explain: no text "${key}" in ${lang}`);
  const text = template.replace(PLACEHOLDER, (_, name: string) => {
    const value = params[name];
    if (value === undefined) throw new Error(`explain: "${key}" needs {${name}}`);
    return String(value);
  });
  return lang === 'zh' ? closeCjkGaps(text) : text;
}

/** Chinese characters and fullwidth punctuation (CJK symbols, ideographs, fullwidth forms). */
const CJK = '\u3000-\u303f\u3400-\u9fff\uff00-\uffef';
const CJK_GAP = new RegExp(`([${CJK}]) +(?=[${CJK}])`, 'gu');

/**
 * Chinese typesetting puts a space between Chinese and Latin letters or digits, never between
 * two Chinese characters; a template's space beside a placeholder is right when the value is
 * "SYN" or "1 s" and wrong when it is "数据" or "1 秒" ("这个 数据" → "这个数据", "1 秒 后" → "1 秒后").
 */
export function closeCjkGaps(text: string): string {
  return text.replace(CJK_GAP, '$1');
}

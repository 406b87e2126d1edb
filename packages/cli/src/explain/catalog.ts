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
  return template.replace(PLACEHOLDER, (_, name: string) => {
    const value = params[name];
    if (value === undefined) throw new Error(`explain: "${key}" needs {${name}}`);
    return String(value);
  });
}

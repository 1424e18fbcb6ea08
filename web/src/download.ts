import { toCsv } from './csv.js';

/** What a cell shows, as the reader sees it (innerText: hidden parts left out, line breaks kept), trimmed. */
const cellText = (cell: Element) => (cell as HTMLElement).innerText.trim();

/**
 * The rows of `table` as shown when asked: the header row's headings, then each body row's cells
 * (what the page shows at that moment: a filtered or paged table gives the rows on screen).
 */
export function tableRows(table: HTMLTableElement): string[][] {
  const head = [...table.querySelectorAll(':scope > thead > tr')].map((tr) => [...tr.children].map(cellText));
  const body = [...table.querySelectorAll(':scope > tbody > tr')].map((tr) => [...tr.children].map(cellText));
  return [...head, ...body];
}

/**
 * Saves `text` as a file named `name`, built in the page: a Blob behind an object URL, opened by
 * an <a download> (the page's CSP allows it: nothing is fetched, no script is loaded).
 */
export function saveFile(name: string, text: string, type: string): void {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.hidden = true;
  document.body.append(a);
  a.click();
  a.remove();
  // The download has its own reference to the blob once started.
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** Downloads `table` as the CSV file `name`. */
export function downloadTable(table: HTMLTableElement, name: string): void {
  saveFile(name, toCsv(tableRows(table)), 'text/csv;charset=utf-8');
}

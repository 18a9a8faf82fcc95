// What PostgreSQL text can hold: everything but U+0000 (a statement with it is refused outright).

/** Whether `text` can be stored or looked up: an id with U+0000 names no message, so reads answer "unknown". */
export const storable = (text: string) => !text.includes('\u0000');

/**
 * Characters a data dir path may not hold: pg_ctl starts the server through `sh -c` and would
 * interpret them even inside its double quotes. Checked when the configuration is read and
 * again by the embedded PostgreSQL itself.
 */
export const unsafeDataDirCharacters = /["$`\\\n]/;

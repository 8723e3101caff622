// Types of config-data.mjs.
export declare function missingData(file: string): string | undefined;

// Types of pending-configs.mjs.

export declare const PENDING_CONFIGS: readonly string[];
export declare function isPendingConfig(file: string): boolean;

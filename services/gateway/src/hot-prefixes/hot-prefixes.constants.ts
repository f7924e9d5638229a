/** Injection token of the HotPrefixRecorder the proxy counts chat prompts with. */
export const HOT_PREFIX_RECORDER = Symbol('greenlight:gateway:HOT_PREFIX_RECORDER');

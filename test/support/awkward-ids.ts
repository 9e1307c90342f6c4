/**
 * Client ids that a REST path must carry as one segment: dot segments, URL
 * delimiters, escapes, spaces and non-ASCII.
 */
export const DOT_SEGMENT_IDS = ['.', '..'] as const;

export const AWKWARD_IDS = [...DOT_SEGMENT_IDS, '%', '%2E', '/', 'a/../b', '?', '?x=1', '#', ' ', 'line 1/sensor', 'é/🚀', '...', '.a'] as const;

export type { AnalyzeRequest } from './analyze-request.js';
export type { AnalyzeOptions, AnalyzeSummary } from './analyze-videos.js';
export { ANNOTATION_SOURCES, type Annotation, type AnnotationJson, type AnnotationSource } from './annotation.js';
export type { AnnotationImportSummary } from './library-annotations.js';

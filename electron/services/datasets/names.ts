/** Column names that tell what a column holds. */

/** Names of row-identifier columns. */
export const ID_NAME = /^(?:id|ids|uuid|guid|_id|idx|index|key|row|row[ _-]?(?:id|num|number|index)|(?:record|doc|document|sample|example|item|review|comment|post|tweet|message|user|customer)[ _-]?id|__index_level_\d+__)$/i;
/** A blank header, named as pandas names it: an index column when it counts rows, else just unnamed. */
export const UNNAMED = /^unnamed: \d+$/i;
/** Names of columns of free text. */
export const TEXT_NAME = /^(?:text|texts|sentence|sentences|review|review[ _]text|content|body|message|comment|document|doc|question|tweet|title|description|utterance|query|abstract|summary|prompt|input|headline|post|passage|excerpt)$/i;
/** Names of columns holding what to predict. */
export const LABEL_NAME = /^(?:labels?|category|categories|class|classes|target|topic|topics|sentiment|intent|tags?|y|emotion|stance|polarity|rating|score|stars|gold|annotation|outcome|genre)$|(?:^|[ _-])labels?$|^labels?(?:[ _-]|$)/i;
/** Names that mean a set of classes even when the values are numbers (unlike score or rating). */
export const CLASS_NAME = /^(?:labels?|class|classes|category|categories|topics?|intent|tags?|genre)$|(?:^|[ _-])labels?$|^labels?(?:[ _-]|$)/i;

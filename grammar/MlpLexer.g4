// Lexer for the .mlp pipeline language.
//
// Comments are kept on hidden channels (not skipped) so that `mlpc fmt` can
// put them back and doc comments (`///`) can be attached to declarations.
lexer grammar MlpLexer;

channels { COMMENTS, DOCS }

// Keywords. Type names (int, string, Dataset, ...) are ordinary identifiers
// resolved by the checker, so user schemas may use them as column names.
IMPORT    : 'import';
AS        : 'as';
SCHEMA    : 'schema';
RECORD    : 'record';
ARTIFACT  : 'artifact';
COMPONENT : 'component';
PIPELINE  : 'pipeline';
IF        : 'if';
ELSE      : 'else';
FOR       : 'for';
IN        : 'in';
PARALLEL  : 'parallel';
FINALLY   : 'finally';
RETURN    : 'return';
WITH      : 'with';
TRUE      : 'true';
FALSE     : 'false';
NONE      : 'none';
AND       : 'and';
OR        : 'or';
NOT       : 'not';

ARROW     : '->';
LPAREN    : '(';
RPAREN    : ')';
LBRACE    : '{';
RBRACE    : '}';
LBRACK    : '[';
RBRACK    : ']';
LT        : '<';
GT        : '>';
LE        : '<=';
GE        : '>=';
EQ        : '==';
NE        : '!=';
ASSIGN    : '=';
COLON     : ':';
COMMA     : ',';
SEMI      : ';';
DOT       : '.';
QUESTION  : '?';
AT        : '@';
PLUS      : '+';
MINUS     : '-';
STAR      : '*';
SLASH     : '/';
PERCENT   : '%';

FLOAT
  : DIGITS '.' DIGITS EXPONENT?
  | DIGITS EXPONENT
  ;
INT       : DIGITS;

// A string literal; `${expr}` interpolations inside it are split out and
// parsed by the AST builder, which keeps the lexer free of target code.
STRING    : '"' ( ESCAPE | INTERP | ~["\\\r\n$] | '$' )* '"';
// A string that runs to the end of the line: reported as "unterminated".
UNTERMINATED_STRING : '"' ( ESCAPE | INTERP | ~["\\\r\n$] | '$' )*;

ID        : [a-zA-Z_] [a-zA-Z_0-9]*;
// `any name` lets a schema column carry a name that is not an identifier
// (CSV headers such as `Culmen Length (mm)`).
QUOTED_ID : '`' ~[`\r\n]+ '`';

DOC_COMMENT   : '///' ~[\r\n]* -> channel(DOCS);
LINE_COMMENT  : '//' ~[\r\n]* -> channel(COMMENTS);
BLOCK_COMMENT : '/*' .*? '*/' -> channel(COMMENTS);
// A `/*` never closed: the body cannot contain `*/`, so a closed comment
// always lexes as BLOCK_COMMENT.
UNTERMINATED_COMMENT : '/*' ( ~'*' | '*'+ ~[*/] )* '*'* EOF;
WS            : [ \t\r\n\f]+ -> channel(HIDDEN);

// Anything else is one bad character; the parser reports it with a location.
BAD_CHAR  : . ;

fragment DIGITS   : [0-9] ('_'? [0-9])*;
fragment EXPONENT : [eE] [+-]? DIGITS;
fragment ESCAPE   : '\\' ~[\r\n];
fragment INTERP   : '${' ~[}"\r\n]* '}';

/*
 * proto.y — the .proto language (proto2 and proto3, as protoc 3.21 reads it):
 * a pure bison parser with locations.
 *
 * The grammar only recognises syntax and builds nodes through the helpers in
 * compiler/front/ast.c; every name, number and rule is checked later, in resolve.
 * The only exceptions are errors protoc's own parser reports and the model
 * could not carry to a later stage: a proto2 field without a label, a second
 * `package`, an unknown `syntax`, a number beyond 64 bits (outside aggregate
 * values, where text format takes it as a float), a field's `default` or
 * `json_name` written as { ... }, a default on a group. Conversely, where
 * protoc's parser rejects something the option checker can judge better
 * (`option x = -FOO;`), the grammar accepts it and leaves it to that check.
 *
 * Contextual keywords. protoc has no reserved words: `message`, `option`,
 * `stream`, `map` ... are identifiers wherever an identifier may stand. protoc
 * is a hand-written parser that decides each statement by its first token, so
 * the scanner returns every keyword as its own token and this grammar mirrors
 * protoc's decisions with a few "first word" nonterminals: at the start of a
 * message statement `message`, `enum`, `option`, `oneof`, `extensions`,
 * `reserved`, `extend` and the labels begin their own statements and cannot
 * begin a type name (so `message message = 1;` is an error, as in protoc),
 * while after a label any word can. Every other position accepts any word
 * through `ident`. This keeps the grammar LALR(1) with no conflicts.
 *
 * Errors. Statement lists recover at ';', at a skipped { ... } block and at
 * the '}' that closes the block, so one run reports every independent error.
 * The open blocks are kept on the parse state (pushed by each *_open rule,
 * popped when the block closes or by the %destructor when error recovery
 * discards it), which lets messages name the construct left open.
 */

%require "3.6"  /* parse.error custom */
%define api.pure full
%define api.token.prefix {T_}
%define parse.error custom
%define parse.lac full
%locations
%expect 0

%param {yyscan_t scanner}
%parse-param {ParseState *ps}

%code requires {
#include "front/internal.h"

#ifndef YY_TYPEDEF_YY_SCANNER_T
#define YY_TYPEDEF_YY_SCANNER_T
typedef void *yyscan_t;
#endif

/* A type reference as written: a scalar keyword, or a (dotted) name. */
typedef struct TypeRef {
    FieldType type;
    char *name;
} TypeRef;

/* The name of an aggregate entry: `name` or `[ext.name]`. */
typedef struct AggName {
    char *name;
    bool is_extension;
} AggName;

/* One range in `reserved` / `extensions`. */
typedef struct RangeLit {
    int64_t start;
    int64_t end;
    bool end_is_max;
} RangeLit;

/* A scalar type keyword: its type and its name. */
typedef struct ScalarKw {
    FieldType type;
    const char *name;
} ScalarKw;

/* An rpc argument: `[stream] Type`. */
typedef struct RpcArg {
    bool stream;
    char *name;
    Loc loc;            /* where the type name starts */
} RpcArg;
}

%code provides {
/* The scanner; flex generates it with this signature. */
int yylex(YYSTYPE *yylval_param, YYLTYPE *yylloc_param, yyscan_t yyscanner);
/* Undo the scanner's last change to the text it reads (grammar/proto.l). */
void scan_restore(yyscan_t yyscanner);
}

%code {
#include <string.h>

/* Nesting is bounded by the scanner (PARSE_MAX_DEPTH braces), so the parser
 * stack stays well below this; it is a safety margin, not the limit. */
#define YYMAXDEPTH 40000

/* A Loc from a bison location. */
#define LOC(l) make_loc(ps, (l).first_line, (l).first_column)

static void yyerror(YYLTYPE *loc, yyscan_t scanner, ParseState *ps, const char *msg);

/* Small value builders for the grammar's own semantic types. */
static TypeRef scalar_ref(ScalarKw k)
{
    return (TypeRef){k.type, NULL};
}

static TypeRef named_ref(char *name)
{
    return (TypeRef){TYPE_NONE, name};
}

static RangeLit range_lit(int64_t start, int64_t end, bool end_is_max)
{
    return (RangeLit){start, end, end_is_max};
}

static RpcArg rpc_arg(bool stream, char *name, Loc loc)
{
    return (RpcArg){stream, name, loc};
}

static AggName agg_name(char *name, bool is_extension)
{
    return (AggName){name, is_extension};
}
}

%union {
    const char *kw;       /* keyword tokens: their text */
    ScalarKw scalar;      /* scalar type keywords */
    char *str;            /* identifiers and names */
    StrLit string;        /* string literals, unescaped and joined */
    IntLit intlit;        /* integer literals */
    double d;             /* float literals */
    int64_t i64;          /* signed numbers */
    int open;             /* a block was opened (see the %destructor) */
    Label label;
    TypeRef type;
    AggName aggname;
    RangeLit range;
    RpcArg rpcarg;
    Field *field;
    Method *method;
    Option *option;
    OptionVec *options;
    OptionNameVec *optname;
    Value *value;
    RangeVec *ranges;
    ReservedNameVec *names;
}

%token <str> IDENT "identifier"
%token <string> STRING "string"
%token <intlit> INT "integer"
%token <d> FLOAT "number"
%token SYMBOL "symbol"
%token <kw> SYNTAX "'syntax'" IMPORT "'import'" WEAK "'weak'" PUBLIC "'public'"
%token <kw> PACKAGE "'package'" OPTION "'option'" OPTIONAL "'optional'"
%token <kw> REQUIRED "'required'" REPEATED "'repeated'" GROUP "'group'" ONEOF "'oneof'"
%token <kw> MAP "'map'" EXTENSIONS "'extensions'" TO "'to'" MAX "'max'"
%token <kw> RESERVED "'reserved'" ENUM "'enum'" MESSAGE "'message'" EXTEND "'extend'"
%token <kw> SERVICE "'service'" RPC "'rpc'" STREAM "'stream'" RETURNS "'returns'"
%token <kw> INF "'inf'" NAN "'nan'"
%token <scalar> SCALAR "scalar type"
/* A '{' where a field's `default` or `json_name` value should be: the scanner
 * returns it instead of '{' there, with the option's name. */
%token <kw> LONE_BRACE "'{'"

%type <kw> kw_other kw_decl kw_label kw_msg kw_oneof kw_ext kw_labelled kw_type kw_rpc kw_any
%type <kw> kw_enum_value
%type <str> ident first_msg first_oneof first_ext first_label first_rpc first_any
%type <str> enum_value_name dotted_name ext_name agg_ext_name
%type <str> qual_msg qual_oneof qual_ext qual_label qual_rpc qual_any
%type <string> strings
%type <label> label
%type <type> type_msg type_oneof type_ext type_label type_any
%type <i64> field_number signed_int
%type <range> range enum_range
%type <ranges> ranges enum_ranges
%type <names> reserved_names
%type <rpcarg> rpc_arg
%type <method> rpc_head
%type <field> field_decl oneof_field ext_field map_decl
%type <option> option_stmt option_assign field_option
%type <options> opt_options option_list field_options field_option_list
%type <optname> option_name field_option_name
%type <value> option_value aggregate agg_scalar agg_message agg_list agg_items lone_brace
%type <aggname> agg_name
%type <open> message_open group_open oneof_group_open oneof_open extend_open enum_open
%type <open> service_open rpc_open agg_open agg_angle_open

/* An open block that error recovery throws away must leave the block stack. */
%destructor { ast_block_pop(ps); } <open>

%%

/* file: [syntax_stmt] top_item* */
file
    : opt_syntax top_items
    ;

/* opt_syntax: [ "syntax" "=" strings ";" ] — only as the first statement */
opt_syntax
    : %empty
    | SYNTAX '=' strings ';'        { ast_file_set_syntax(ps, LOC(@1), $3, LOC(@3)); }
    | SYNTAX error ';'              { yyerrok; }
    ;

/* top_items: top_item* */
top_items
    : %empty
    | top_items top_item
    ;

/* top_item: import | package | option | message | enum | service | extend | ";" */
top_item
    : IMPORT strings ';'            { ast_file_add_import(ps, LOC(@1), IMPORT_PLAIN, $2, LOC(@2)); }
    | IMPORT PUBLIC strings ';'     { ast_file_add_import(ps, LOC(@1), IMPORT_PUBLIC, $3, LOC(@3)); }
    | IMPORT WEAK strings ';'       { ast_file_add_import(ps, LOC(@1), IMPORT_WEAK, $3, LOC(@3)); }
    | PACKAGE dotted_name ';'       { ast_file_set_package(ps, LOC(@1), $2, LOC(@2)); }
    | option_stmt                   { ast_file_add_option(ps, $1); }
    | message_decl
    | enum_decl
    | service_decl
    | extend_decl
    | ';'
    | error ';'                     { yyerrok; }
    | error skip_block              { yyerrok; }
    ;

/* ---------------------------------------------------------------- words */

/* kw_other: keywords that never begin a message statement */
kw_other
    : SYNTAX | IMPORT | WEAK | PUBLIC | PACKAGE | TO | MAX | SERVICE | RPC | RETURNS
    | INF | NAN
    ;

/* kw_decl: keywords that begin a declaration inside a message (but `option`) */
kw_decl
    : ONEOF | EXTENSIONS | RESERVED | ENUM | MESSAGE | EXTEND
    ;

/* kw_label: "optional" | "required" | "repeated" */
kw_label
    : OPTIONAL | REQUIRED | REPEATED
    ;

/* The keyword sets below say which keywords may begin a name in each
 * position; every set also accepts IDENT directly, so the common case is a
 * single reduction. */

/* kw_msg: keywords that may begin a type at the start of a message statement */
kw_msg
    : kw_other
    | STREAM
    ;

/* kw_oneof: ... of a oneof member (message keywords allowed, not option/labels) */
kw_oneof
    : kw_msg
    | kw_decl
    ;

/* kw_ext: ... of an unlabelled extension field (anything but labels) */
kw_ext
    : kw_oneof
    | OPTION
    ;

/* kw_labelled: ... of a type after a label */
kw_labelled
    : kw_ext
    | kw_label
    ;

/* kw_type: ... of any message type name (not a scalar keyword, not `group`) */
kw_type
    : kw_labelled
    | MAP
    ;

/* kw_rpc: ... of an rpc argument without `stream` */
kw_rpc
    : kw_other
    | kw_decl
    | OPTION
    | kw_label
    | MAP
    ;

/* kw_any: every keyword */
kw_any
    : kw_type
    | GROUP
    | SCALAR                        { $$ = $1.name; }
    ;

/* kw_enum_value: every keyword but "option" and "reserved" */
kw_enum_value
    : kw_msg
    | ONEOF | EXTENSIONS | ENUM | MESSAGE | EXTEND
    | kw_label
    | MAP
    | GROUP
    | SCALAR                        { $$ = $1.name; }
    ;

/* first_msg: IDENT | kw_msg */
first_msg
    : IDENT
    | kw_msg                        { $$ = ast_keyword_name(ps, $1); }
    ;

/* first_oneof: IDENT | kw_oneof */
first_oneof
    : IDENT
    | kw_oneof                      { $$ = ast_keyword_name(ps, $1); }
    ;

/* first_ext: IDENT | kw_ext */
first_ext
    : IDENT
    | kw_ext                        { $$ = ast_keyword_name(ps, $1); }
    ;

/* first_label: IDENT | kw_labelled */
first_label
    : IDENT
    | kw_labelled                   { $$ = ast_keyword_name(ps, $1); }
    ;

/* first_rpc: IDENT | kw_rpc */
first_rpc
    : IDENT
    | kw_rpc                        { $$ = ast_keyword_name(ps, $1); }
    ;

/* first_any: IDENT | kw_type */
first_any
    : IDENT
    | kw_type                       { $$ = ast_keyword_name(ps, $1); }
    ;

/* ident: any word */
ident
    : IDENT
    | kw_any                        { $$ = ast_keyword_name(ps, $1); }
    ;

/* enum_value_name: any word but "option" and "reserved" */
enum_value_name
    : IDENT
    | kw_enum_value                 { $$ = ast_keyword_name(ps, $1); }
    ;

/* dotted_name: ident ("." ident)* */
dotted_name
    : ident
    | dotted_name '.' ident         { $$ = ast_name_join(ps, $1, $3); }
    ;

/* qual_X: ["."] first_X ("." ident)* — a type name whose first word is first_X */
qual_msg
    : first_msg
    | msg_dot ident                 { $$ = ast_name_absolute(ps, $2); }
    | qual_msg '.' ident            { $$ = ast_name_join(ps, $1, $3); }
    ;
qual_oneof
    : first_oneof
    | '.' ident                     { $$ = ast_name_absolute(ps, $2); }
    | qual_oneof '.' ident          { $$ = ast_name_join(ps, $1, $3); }
    ;
qual_ext
    : first_ext
    | msg_dot ident                 { $$ = ast_name_absolute(ps, $2); }
    | qual_ext '.' ident            { $$ = ast_name_join(ps, $1, $3); }
    ;
qual_label
    : first_label
    | '.' ident                     { $$ = ast_name_absolute(ps, $2); }
    | qual_label '.' ident          { $$ = ast_name_join(ps, $1, $3); }
    ;
qual_rpc
    : first_rpc
    | '.' ident                     { $$ = ast_name_absolute(ps, $2); }
    | qual_rpc '.' ident            { $$ = ast_name_join(ps, $1, $3); }
    ;
qual_any
    : first_any
    | '.' ident                     { $$ = ast_name_absolute(ps, $2); }
    | qual_any '.' ident            { $$ = ast_name_join(ps, $1, $3); }
    ;

/* msg_dot: "." — the first token of an unlabelled field's fully-qualified
 * type. protoc wants the label before it reads the type, so a proto2 file
 * hears about the missing label even if no name follows the dot. */
msg_dot
    : '.'                           { ast_require_label(ps, LOC(@1)); }
    ;

/* type_X: SCALAR | "map" | qual_X — `map` alone names a type called map */
/* (type_msg and type_ext begin a field written without a label, which
 * proto2 forbids; protoc's parser says so as soon as it sees the type.) */
type_msg
    : SCALAR                        { $$ = scalar_ref($1); ast_require_label(ps, LOC(@1)); }
    | MAP                           { $$ = named_ref(ast_keyword_name(ps, $1));
                                      ast_require_label(ps, LOC(@1)); }
    | qual_msg                      { $$ = named_ref($1); ast_require_label(ps, LOC(@1)); }
    ;
type_oneof
    : SCALAR                        { $$ = scalar_ref($1); }
    | MAP                           { $$ = named_ref(ast_keyword_name(ps, $1)); }
    | qual_oneof                    { $$ = named_ref($1); }
    ;
type_ext
    : SCALAR                        { $$ = scalar_ref($1); ast_require_label(ps, LOC(@1)); }
    | MAP                           { $$ = named_ref(ast_keyword_name(ps, $1));
                                      ast_require_label(ps, LOC(@1)); }
    | qual_ext                      { $$ = named_ref($1); ast_require_label(ps, LOC(@1)); }
    ;
type_label
    : SCALAR                        { $$ = scalar_ref($1); }
    | MAP                           { $$ = named_ref(ast_keyword_name(ps, $1)); }
    | qual_label                    { $$ = named_ref($1); }
    ;
/* type_any: SCALAR | qual_any (map keys and values) */
type_any
    : SCALAR                        { $$ = scalar_ref($1); }
    | qual_any                      { $$ = named_ref($1); }
    ;

/* strings: STRING+ — adjacent literals join, as in C */
strings
    : STRING
    | strings STRING                { $$ = ast_strlit_join(ps, $1, $2); }
    ;

/* label: "optional" | "required" | "repeated" */
label
    : OPTIONAL                      { $$ = LABEL_OPTIONAL; }
    | REQUIRED                      { $$ = LABEL_REQUIRED; }
    | REPEATED                      { $$ = LABEL_REPEATED; }
    ;

/* field_number: INT */
field_number
    : INT                           { $$ = ast_int_to_i32(ps, $1.u, false, LOC(@1)); }
    ;

/* signed_int: ["-"] INT */
signed_int
    : INT                           { $$ = ast_int_to_i32(ps, $1.u, false, LOC(@1)); }
    | '-' INT                       { $$ = ast_int_to_i32(ps, $2.u, true, LOC(@2)); }
    ;

/* ------------------------------------------------------------- messages */

/* message_decl: message_open message_item* "}" */
message_decl
    : message_open message_body '}'         { (void)$1; ast_message_close(ps); }
    | message_open message_body error '}'   { (void)$1; ast_message_close(ps); yyerrok; }
    ;

/* message_open: "message" ident "{" */
message_open
    : MESSAGE ident '{'             { ast_message_open(ps, LOC(@1), $2, LOC(@2)); $$ = 0; }
    ;

/* message_body: message_item* */
message_body
    : %empty
    | message_body message_item
    ;

/* message_item: field | map | group | oneof | message | enum | extend
 *             | extensions | reserved | option | ";" */
message_item
    : field_decl                    { ast_message_add_field(ps, $1); }
    | map_decl                      { ast_message_add_field(ps, $1); }
    | group_decl
    | oneof_decl
    | message_decl
    | enum_decl
    | extend_decl
    | EXTENSIONS ranges opt_options ';'  { ast_message_add_ranges(ps, $2, true, $3); }
    | RESERVED ranges ';'           { ast_message_add_ranges(ps, $2, false, NULL); }
    | RESERVED reserved_names ';'   { ast_message_add_reserved_names(ps, $2); }
    | option_stmt                   { ast_message_add_option(ps, $1); }
    | ';'
    | error ';'                     { yyerrok; }
    | error skip_block              { yyerrok; }
    ;

/* field_decl: [label] type ident "=" INT [options] ";" */
field_decl
    : type_msg ident '=' field_number field_options ';'
        { $$ = ast_make_field(ps, LOC(@1), LABEL_NONE, LOC(@1), $1.type, $1.name, LOC(@1),
                              $2, LOC(@2), $4, LOC(@4), $5); }
    | label type_label ident '=' field_number field_options ';'
        { $$ = ast_make_field(ps, LOC(@1), $1, LOC(@1), $2.type, $2.name, LOC(@2),
                              $3, LOC(@3), $5, LOC(@5), $6); }
    ;

/* map_decl: "map" "<" type "," type ">" ident "=" INT [options] ";" */
map_decl
    : MAP '<' type_any ',' type_any '>' ident '=' field_number field_options ';'
        { $$ = ast_make_map_field(ps, LOC(@1), $3.type, $3.name, LOC(@3), $5.type, $5.name,
                                  LOC(@5), $7, LOC(@7), $9, LOC(@9), $10); }
    ;

/* group_decl: group_open message_item* "}" */
group_decl
    : group_open message_body '}'           { (void)$1; ast_group_close(ps); }
    | group_open message_body error '}'     { (void)$1; ast_group_close(ps); yyerrok; }
    ;

/* group_open: [label] "group" ident "=" INT [options] "{" */
group_open
    : label GROUP ident '=' field_number field_options '{'
        { ast_group_open(ps, ast_make_group_field(ps, LOC(@1), $1, LOC(@1), $3, LOC(@3), $5,
                                                  LOC(@5), $6)); $$ = 0; }
    | group_nolabel ident '=' field_number field_options '{'
        { ast_group_open(ps, ast_make_group_field(ps, LOC(@1), LABEL_NONE, LOC(@1), $2, LOC(@2),
                                                  $4, LOC(@4), $5)); $$ = 0; }
    ;

/* group_nolabel: "group" — written without a label, which proto2 forbids */
group_nolabel
    : GROUP                         { (void)$1; ast_require_label(ps, LOC(@1)); }
    ;

/* ranges: range ("," range)* */
ranges
    : range                         { $$ = ast_range_list(ps, NULL, LOC(@1), $1.start, $1.end, $1.end_is_max); }
    | ranges ',' range              { $$ = ast_range_list(ps, $1, LOC(@3), $3.start, $3.end, $3.end_is_max); }
    ;

/* range: INT | INT "to" INT | INT "to" "max" */
range
    : field_number                  { $$ = range_lit($1, $1, false); }
    | field_number TO field_number  { $$ = range_lit($1, $3, false); }
    | field_number TO MAX           { (void)$3; $$ = range_lit($1, INT64_MAX, true); }
    ;

/* reserved_names: strings ("," strings)* */
reserved_names
    : strings                       { $$ = ast_name_list(ps, NULL, $1, LOC(@1)); }
    | reserved_names ',' strings    { $$ = ast_name_list(ps, $1, $3, LOC(@3)); }
    ;

/* --------------------------------------------------------------- oneofs */

/* oneof_decl: "oneof" ident "{" oneof_item+ "}" */
oneof_decl
    : oneof_open oneof_body '}'             { (void)$1; ast_oneof_close(ps); }
    | oneof_open oneof_body error '}'       { (void)$1; ast_oneof_close(ps); yyerrok; }
    | oneof_open error '}'                  { (void)$1; ast_oneof_close(ps); yyerrok; }
    ;

/* oneof_open: "oneof" ident "{" */
oneof_open
    : ONEOF ident '{'               { ast_oneof_open(ps, LOC(@1), $2, LOC(@2)); $$ = 0; }
    ;

/* oneof_body: oneof_item+ */
oneof_body
    : oneof_item
    | oneof_body oneof_item
    ;

/* oneof_item: field (no label) | group (no label) | option */
oneof_item
    : oneof_field                   { ast_oneof_add_field(ps, $1); }
    | oneof_group_decl
    | option_stmt                   { ast_oneof_add_option(ps, $1); }
    | error ';'                     { yyerrok; }
    | error skip_block              { yyerrok; }
    ;

/* oneof_field: type ident "=" INT [options] ";" */
oneof_field
    : type_oneof ident '=' field_number field_options ';'
        { $$ = ast_make_field(ps, LOC(@1), LABEL_NONE, LOC(@1), $1.type, $1.name, LOC(@1),
                              $2, LOC(@2), $4, LOC(@4), $5); }
    ;

/* oneof_group_decl: oneof_group_open message_item* "}" */
oneof_group_decl
    : oneof_group_open message_body '}'         { (void)$1; ast_group_close(ps); }
    | oneof_group_open message_body error '}'   { (void)$1; ast_group_close(ps); yyerrok; }
    ;

/* oneof_group_open: "group" ident "=" INT [options] "{" */
oneof_group_open
    : GROUP ident '=' field_number field_options '{'
        { ast_group_open(ps, ast_make_group_field(ps, LOC(@1), LABEL_NONE, LOC(@1), $2, LOC(@2),
                                                  $4, LOC(@4), $5)); $$ = 0; }
    ;

/* -------------------------------------------------------------- extends */

/* extend_decl: "extend" type "{" extend_item+ "}" */
extend_decl
    : extend_open extend_body '}'           { (void)$1; ast_extend_close(ps); }
    | extend_open extend_body error '}'     { (void)$1; ast_extend_close(ps); yyerrok; }
    | extend_open error '}'                 { (void)$1; ast_extend_close(ps); yyerrok; }
    ;

/* extend_open: "extend" qual_any "{" */
extend_open
    : EXTEND qual_any '{'           { ast_extend_open(ps, LOC(@1), $2, LOC(@2)); $$ = 0; }
    ;

/* extend_body: extend_item+ */
extend_body
    : extend_item
    | extend_body extend_item
    ;

/* extend_item: field | group */
extend_item
    : ext_field                     { ast_extend_add_field(ps, $1); }
    | group_decl
    | error ';'                     { yyerrok; }
    | error skip_block              { yyerrok; }
    ;

/* ext_field: [label] type ident "=" INT [options] ";" */
ext_field
    : type_ext ident '=' field_number field_options ';'
        { $$ = ast_make_field(ps, LOC(@1), LABEL_NONE, LOC(@1), $1.type, $1.name, LOC(@1),
                              $2, LOC(@2), $4, LOC(@4), $5); }
    | label type_label ident '=' field_number field_options ';'
        { $$ = ast_make_field(ps, LOC(@1), $1, LOC(@1), $2.type, $2.name, LOC(@2),
                              $3, LOC(@3), $5, LOC(@5), $6); }
    ;

/* ---------------------------------------------------------------- enums */

/* enum_decl: "enum" ident "{" enum_item* "}" */
enum_decl
    : enum_open enum_body '}'               { (void)$1; ast_enum_close(ps); }
    | enum_open enum_body error '}'         { (void)$1; ast_enum_close(ps); yyerrok; }
    ;

/* enum_open: "enum" ident "{" */
enum_open
    : ENUM ident '{'                { ast_enum_open(ps, LOC(@1), $2, LOC(@2)); $$ = 0; }
    ;

/* enum_body: enum_item* */
enum_body
    : %empty
    | enum_body enum_item
    ;

/* enum_item: value | option | reserved | ";" */
enum_item
    : enum_value_name '=' signed_int opt_options ';'
        { ast_enum_add_value(ps, LOC(@1), $1, $3, LOC(@3), $4); }
    | option_stmt                   { ast_enum_add_option(ps, $1); }
    | RESERVED enum_ranges ';'      { ast_enum_add_ranges(ps, $2); }
    | RESERVED reserved_names ';'   { ast_enum_add_reserved_names(ps, $2); }
    | ';'
    | error ';'                     { yyerrok; }
    | error skip_block              { yyerrok; }
    ;

/* enum_ranges: enum_range ("," enum_range)* */
enum_ranges
    : enum_range                    { $$ = ast_range_list(ps, NULL, LOC(@1), $1.start, $1.end, $1.end_is_max); }
    | enum_ranges ',' enum_range    { $$ = ast_range_list(ps, $1, LOC(@3), $3.start, $3.end, $3.end_is_max); }
    ;

/* enum_range: signed_int ["to" (signed_int | "max")] */
enum_range
    : signed_int                    { $$ = range_lit($1, $1, false); }
    | signed_int TO signed_int      { $$ = range_lit($1, $3, false); }
    | signed_int TO MAX             { (void)$3; $$ = range_lit($1, INT64_MAX, true); }
    ;

/* ------------------------------------------------------------- services */

/* service_decl: "service" ident "{" service_item* "}" */
service_decl
    : service_open service_body '}'         { (void)$1; ast_service_close(ps); }
    | service_open service_body error '}'   { (void)$1; ast_service_close(ps); yyerrok; }
    ;

/* service_open: "service" ident "{" */
service_open
    : SERVICE ident '{'             { ast_service_open(ps, LOC(@1), $2, LOC(@2)); $$ = 0; }
    ;

/* service_body: service_item* */
service_body
    : %empty
    | service_body service_item
    ;

/* service_item: rpc | option | ";" */
service_item
    : rpc_head ';'                  { ast_service_add_method(ps, $1); }
    | rpc_open rpc_body '}'         { (void)$1; ast_rpc_close(ps); }
    | rpc_open rpc_body error '}'   { (void)$1; ast_rpc_close(ps); yyerrok; }
    | option_stmt                   { ast_service_add_option(ps, $1); }
    | ';'
    | error ';'                     { yyerrok; }
    | error skip_block              { yyerrok; }
    ;

/* rpc_head: "rpc" ident "(" rpc_arg ")" "returns" "(" rpc_arg ")" */
rpc_head
    : RPC ident '(' rpc_arg ')' RETURNS '(' rpc_arg ')'
        { $$ = ast_make_method(ps, LOC(@1), $2, LOC(@2),
                               $4.stream, $4.name, $4.loc, $8.stream, $8.name, $8.loc); }
    ;

/* rpc_arg: ["stream"] type */
rpc_arg
    : qual_rpc                      { $$ = rpc_arg(false, $1, LOC(@1)); }
    | STREAM qual_any               { (void)$1; $$ = rpc_arg(true, $2, LOC(@2)); }
    ;

/* rpc_open: rpc_head "{" */
rpc_open
    : rpc_head '{'                  { ast_service_add_method(ps, $1); ast_rpc_open(ps, $1); $$ = 0; }
    ;

/* rpc_body: rpc_item* */
rpc_body
    : %empty
    | rpc_body rpc_item
    ;

/* rpc_item: option | ";" */
rpc_item
    : option_stmt                   { ast_rpc_add_option(ps, $1); }
    | ';'
    | error ';'                     { yyerrok; }
    | error skip_block              { yyerrok; }
    ;

/* -------------------------------------------------------------- options */

/* option_stmt: "option" option_assign ";" */
option_stmt
    : OPTION option_assign ';'      { $$ = $2; }
    ;

/* opt_options: [ "[" option_assign ("," option_assign)* "]" ] */
opt_options
    : %empty                        { $$ = NULL; }
    | '[' option_list ']'           { $$ = $2; }
    ;

/* option_list: option_assign ("," option_assign)* */
option_list
    : option_assign                 { $$ = ast_option_list(ps, NULL, $1); }
    | option_list ',' option_assign { $$ = ast_option_list(ps, $1, $3); }
    ;

/* field_options: [ "[" field_option ("," field_option)* "]" ] — a field's
 * options, where `default` and `json_name` are read as protoc reads them */
field_options
    : %empty                        { $$ = NULL; }
    | '[' field_option_list ']'     { $$ = $2; }
    ;

/* field_option_list: field_option ("," field_option)* */
field_option_list
    : field_option                  { $$ = ast_option_list(ps, NULL, $1); }
    | field_option_list ',' field_option  { $$ = ast_option_list(ps, $1, $3); }
    ;

/* field_option: field_option_name "=" option_value */
field_option
    : field_option_name '=' option_value  { $$ = ast_make_option(ps, $1, $3); }
    ;

/* field_option_name: option_name — `default` and `json_name` take one token */
field_option_name
    : option_name                   { ast_field_option_named(ps, $1); }
    ;

/* option_assign: option_name "=" option_value */
option_assign
    : option_name '=' option_value  { $$ = ast_make_option(ps, $1, $3); }
    ;

/* option_name: part ("." part)*, part: ident | "(" ["."] dotted_name ")" */
option_name
    : ident                         { $$ = ast_option_name_append(ps, NULL, $1, false, LOC(@1)); }
    | '(' ext_name ')'              { $$ = ast_option_name_append(ps, NULL, $2, true, LOC(@1)); }
    | option_name '.' ident         { $$ = ast_option_name_append(ps, $1, $3, false, LOC(@3)); }
    | option_name '.' '(' ext_name ')'  { $$ = ast_option_name_append(ps, $1, $4, true, LOC(@3)); }
    ;

/* ext_name: ["."] dotted_name */
ext_name
    : dotted_name
    | '.' dotted_name               { $$ = ast_name_absolute(ps, $2); }
    ;

/* option_value: ["-"] (ident | INT | FLOAT | aggregate) | strings
 * (protoc's parser allows only inf and nan after '-'; the option checker
 * reports any other identifier there, with the option's type in hand)
 * A field's default or json_name written as { ... } is an error at its '{'. */
option_value
    : ident                         { $$ = ast_value_ident(ps, LOC(@1), $1, false); }
    | '-' ident                     { $$ = ast_value_ident(ps, LOC(@1), $2, true); }
    | INT                           { $$ = ast_value_int(ps, LOC(@1), $1, false); }
    | '-' INT                       { $$ = ast_value_int(ps, LOC(@1), $2, true); }
    | FLOAT                         { $$ = ast_value_float(ps, LOC(@1), $1, false); }
    | '-' FLOAT                     { $$ = ast_value_float(ps, LOC(@1), $2, true); }
    | strings                       { $$ = ast_value_string(ps, LOC(@1), $1); }
    | aggregate
    | '-' aggregate                 { $$ = ast_value_negate(ps, $2, LOC(@1)); }
    | lone_brace
    | '-' lone_brace                { $$ = $2; }
    ;

/* lone_brace: LONE_BRACE lone_tokens ["}"] — protoc reads one token for a
 * field's default or json_name and fails at a '{'; the rest of the bad value
 * is skipped up to its '}' or to the ',', ']' or ';' that ends the option,
 * so the field and the rest of the file still parse. */
lone_brace
    : LONE_BRACE lone_tokens '}'    { $$ = ast_value_lone_brace(ps, LOC(@1), $1); }
    | LONE_BRACE lone_tokens        { $$ = ast_value_lone_brace(ps, LOC(@1), $1); }
    ;

/* lone_tokens: (value_token | "{" balanced "}")* */
lone_tokens
    : %empty
    | lone_tokens value_token
    | lone_tokens '{' balanced '}'
    ;

/* aggregate: "{" agg_entry* "}" — text format, as protoc reads option values.
 * Only the outermost value recovers from an error: the scanner then skips to
 * the '}' that balances its '{', counting braces alone as protoc does (see
 * agg_skip), so nested values have no error rules of their own. */
aggregate
    : agg_open agg_body '}'         { (void)$1; $$ = ast_aggregate_close(ps); }
    | agg_open agg_body error '}'   { (void)$1; $$ = ast_aggregate_close(ps); yyerrok; }
    ;

/* agg_open: "{" */
agg_open
    : '{'                           { ast_aggregate_open(ps, LOC(@1)); $$ = 0; }
    ;

/* agg_angle_open: "<" */
agg_angle_open
    : '<'                           { ast_aggregate_open(ps, LOC(@1)); $$ = 0; }
    ;

/* agg_body: (agg_entry [","|";"])* */
agg_body
    : %empty
    | agg_body agg_entry agg_sep
    ;

/* agg_sep: [ "," | ";" ] */
agg_sep
    : %empty
    | ','
    | ';'
    ;

/* agg_entry: name ":" scalar | name [":"] message | name [":"] list */
agg_entry
    : agg_name ':' agg_scalar
        { ast_aggregate_add(ps, $1.name, $1.is_extension, true, LOC(@1), $3); }
    | agg_name ':' agg_message
        { ast_aggregate_add(ps, $1.name, $1.is_extension, true, LOC(@1), $3); }
    | agg_name agg_message
        { ast_aggregate_add(ps, $1.name, $1.is_extension, false, LOC(@1), $2); }
    | agg_name ':' agg_list
        { ast_aggregate_add(ps, $1.name, $1.is_extension, true, LOC(@1), $3); }
    | agg_name agg_list
        { ast_aggregate_add(ps, $1.name, $1.is_extension, false, LOC(@1), $2); }
    ;

/* agg_name: ident | "[" agg_ext_name "]" */
agg_name
    : ident                         { $$ = agg_name($1, false); }
    | '[' agg_ext_name ']'          { $$ = agg_name($2, true); }
    ;

/* agg_ext_name: dotted_name ["/" dotted_name] — an extension or an Any type URL */
agg_ext_name
    : dotted_name
    | dotted_name '/' dotted_name   { $$ = ast_type_url_join(ps, $1, $3); }
    ;

/* agg_scalar: ["-"] (ident | INT | FLOAT) | strings */
agg_scalar
    : ident                         { $$ = ast_value_ident(ps, LOC(@1), $1, false); }
    | '-' ident                     { $$ = ast_value_ident(ps, LOC(@1), $2, true); }
    | INT                           { $$ = ast_value_int(ps, LOC(@1), $1, false); }
    | '-' INT                       { $$ = ast_value_int(ps, LOC(@1), $2, true); }
    | FLOAT                         { $$ = ast_value_float(ps, LOC(@1), $1, false); }
    | '-' FLOAT                     { $$ = ast_value_float(ps, LOC(@1), $2, true); }
    | strings                       { $$ = ast_value_string(ps, LOC(@1), $1); }
    ;

/* agg_message: "{" agg_body "}" | "<" agg_body ">" */
agg_message
    : agg_open agg_body '}'                 { (void)$1; $$ = ast_aggregate_close(ps); }
    | agg_angle_open agg_body '>'           { (void)$1; $$ = ast_aggregate_close(ps); }
    ;

/* agg_list: "[" [agg_items] "]" */
agg_list
    : '[' ']'                       { $$ = ast_value_list(ps, NULL, NULL, LOC(@1)); }
    | '[' agg_items ']'             { $$ = $2; $$->loc = LOC(@1); }
    ;

/* agg_items: (agg_scalar | agg_message) ("," (agg_scalar | agg_message))* */
agg_items
    : agg_scalar                    { $$ = ast_value_list(ps, NULL, $1, LOC(@1)); }
    | agg_message                   { $$ = ast_value_list(ps, NULL, $1, LOC(@1)); }
    | agg_items ',' agg_scalar      { $$ = ast_value_list(ps, $1, $3, LOC(@1)); }
    | agg_items ',' agg_message     { $$ = ast_value_list(ps, $1, $3, LOC(@1)); }
    ;

/* ------------------------------------------------------- error recovery */

/* skip_block: "{" balanced "}" — a whole block skipped after an error */
skip_block
    : '{' balanced '}'
    ;

/* balanced: (any token but braces | "{" balanced "}")* */
balanced
    : %empty
    | balanced any_token
    | balanced '{' balanced '}'
    ;

/* any_token: every token but "{", "}" and the end of input */
any_token
    : value_token
    | ';' | ']' | ','
    ;

/* value_token: every token but "{", "}", ";", "]", "," and the end of input */
value_token
    : IDENT | STRING | INT | FLOAT | SYMBOL | SCALAR
    | SYNTAX | IMPORT | WEAK | PUBLIC | PACKAGE | OPTION | OPTIONAL | REQUIRED | REPEATED
    | GROUP | ONEOF | MAP | EXTENSIONS | TO | MAX | RESERVED | ENUM | MESSAGE | EXTEND
    | SERVICE | RPC | STREAM | RETURNS | INF | NAN
    | '[' | '(' | ')' | '<' | '>' | '=' | '.' | ':' | '-' | '/'
    ;

%%

/* ---- error messages ---- */

/* A symbol's name for messages: bison's alias without its double quotes. */
static const char *symbol_text(yysymbol_kind_t kind, char *buf, size_t size)
{
    const char *name = yysymbol_name(kind);
    size_t n = strlen(name);
    if (n >= 2 && name[0] == '"' && name[n - 1] == '"') {
        snprintf(buf, size, "%.*s", (int)(n - 2), name + 1);
        return buf;
    }
    return name;
}

static bool is_word(yysymbol_kind_t k)
{
    switch (k) {
    case YYSYMBOL_IDENT: case YYSYMBOL_SCALAR:
    case YYSYMBOL_SYNTAX: case YYSYMBOL_IMPORT: case YYSYMBOL_WEAK: case YYSYMBOL_PUBLIC:
    case YYSYMBOL_PACKAGE: case YYSYMBOL_OPTION: case YYSYMBOL_OPTIONAL:
    case YYSYMBOL_REQUIRED: case YYSYMBOL_REPEATED: case YYSYMBOL_GROUP:
    case YYSYMBOL_ONEOF: case YYSYMBOL_MAP: case YYSYMBOL_EXTENSIONS: case YYSYMBOL_TO:
    case YYSYMBOL_MAX: case YYSYMBOL_RESERVED: case YYSYMBOL_ENUM: case YYSYMBOL_MESSAGE:
    case YYSYMBOL_EXTEND: case YYSYMBOL_SERVICE: case YYSYMBOL_RPC: case YYSYMBOL_STREAM:
    case YYSYMBOL_RETURNS: case YYSYMBOL_INF: case YYSYMBOL_NAN:
        return true;
    default:
        return false;
    }
}

static bool has(const yysymbol_kind_t *set, int n, yysymbol_kind_t k)
{
    for (int i = 0; i < n; i++)
        if (set[i] == k)
            return true;
    return false;
}

/* Describe the unexpected token: its text from the source when it has one. */
static void describe_token(ParseState *ps, yysymbol_kind_t kind, char *buf, size_t size)
{
    if (kind == YYSYMBOL_YYEOF) {
        snprintf(buf, size, "end of file");
        return;
    }
    if (kind == YYSYMBOL_STRING) {
        snprintf(buf, size, "a string");
        return;
    }
    const char *text = ps->src->text + ps->tok_off;
    size_t len = ps->tok_len;
    if (len > 40)
        len = 40;
    char quoted[64];
    size_t j = 0;
    for (size_t i = 0; i < len && j + 5 < sizeof quoted; i++) {
        unsigned char c = (unsigned char)text[i];
        if (c >= 0x20 && c < 0x7f)
            quoted[j++] = (char)c;
        else
            j += (size_t)snprintf(quoted + j, sizeof quoted - j, "\\x%02x", c);
    }
    quoted[j] = '\0';
    if (kind == YYSYMBOL_INT || kind == YYSYMBOL_FLOAT)
        snprintf(buf, size, "number '%s'", quoted);
    else
        snprintf(buf, size, "'%s'", quoted);
}

/* What an open block is called in messages: "message 'Foo'", "oneof 'x'". */
static void describe_block(const Block *b, char *buf, size_t size)
{
    static const char *kinds[] = {
        [BLOCK_MESSAGE] = "message", [BLOCK_GROUP] = "group", [BLOCK_ENUM] = "enum",
        [BLOCK_ONEOF] = "oneof", [BLOCK_EXTEND] = "extend", [BLOCK_SERVICE] = "service",
        [BLOCK_RPC] = "rpc", [BLOCK_AGGREGATE] = "aggregate value",
    };
    if (b->name)
        snprintf(buf, size, "%s '%.60s'", kinds[b->kind], b->name);
    else
        snprintf(buf, size, "%s", kinds[b->kind]);
}

static int yyreport_syntax_error(const yypcontext_t *ctx, yyscan_t scanner, ParseState *ps)
{
    (void)scanner;
    if (ps->too_deep)
        return 0;
    ps->file->parse_failed = true;

    yysymbol_kind_t tok = yypcontext_token(ctx);
    const YYLTYPE *yl = yypcontext_location(ctx);
    Loc loc = make_loc(ps, yl->first_line, yl->first_column);
    Block *top = ast_block_top(ps);

    /* The tokens that could have come here, with every keyword folded into
     * "a name" when any name is acceptable. */
    yysymbol_kind_t expected[YYNTOKENS];
    int n = yypcontext_expected_tokens(ctx, expected, YYNTOKENS);
    bool want_ident = false, want_close = false;
    for (int i = 0; i < n; i++) {
        if (expected[i] == YYSYMBOL_IDENT)
            want_ident = true;
        if (expected[i] == YYTRANSLATE('}') || expected[i] == YYTRANSLATE('>'))
            want_close = true;
    }
    char list[256] = "";
    size_t len = 0;
    int shown = 0, total = 0;
    for (int i = 0; i < n; i++)
        if (!(want_ident && is_word(expected[i]) && expected[i] != YYSYMBOL_IDENT))
            total++;
    for (int i = 0; i < n && total <= 5; i++) {
        yysymbol_kind_t k = expected[i];
        if (want_ident && is_word(k) && k != YYSYMBOL_IDENT)
            continue;
        char nb[64];
        const char *name = symbol_text(k, nb, sizeof nb);
        if (k == YYSYMBOL_IDENT)
            name = "a name";
        else if (k == YYSYMBOL_SCALAR)
            name = "a type";
        shown++;
        len += (size_t)snprintf(list + len, sizeof list - len, "%s%s",
                                shown == 1 ? "" : shown == total ? " or " : ", ", name);
        if (len >= sizeof list)
            len = sizeof list - 1;
    }

    char what[96];
    describe_token(ps, tok, what, sizeof what);
    char msg[512];

    /* Special cases that deserve their own words. */
    bool handled = true;
    if (tok == YYSYMBOL_YYEOF && top) {
        char bn[96];
        describe_block(top, bn, sizeof bn);
        if (want_close)
            snprintf(msg, sizeof msg, "expected '%c' to close %s opened at %d:%d",
                     has(expected, n, YYTRANSLATE('}')) ? '}' : '>', bn, top->loc.line,
                     top->loc.col);
        else if (total > 0 && total <= 5)
            snprintf(msg, sizeof msg, "unexpected end of file in %s opened at %d:%d (expected %s)",
                     bn, top->loc.line, top->loc.col, list);
        else
            snprintf(msg, sizeof msg, "unexpected end of file in %s opened at %d:%d", bn,
                     top->loc.line, top->loc.col);
    } else if ((tok == YYSYMBOL_OPTIONAL || tok == YYSYMBOL_REQUIRED ||
                tok == YYSYMBOL_REPEATED) && top && top->kind == BLOCK_ONEOF) {
        snprintf(msg, sizeof msg, "fields in a oneof cannot have a label (%s)", what);
    } else if (tok == YYTRANSLATE('<') && ps->prev_kind == T_MAP && top) {
        if (top->kind == BLOCK_ONEOF)
            snprintf(msg, sizeof msg, "map fields are not allowed in a oneof");
        else if (top->kind == BLOCK_EXTEND)
            snprintf(msg, sizeof msg, "map fields cannot be extensions");
        else
            snprintf(msg, sizeof msg, "map fields cannot have a label");
    } else if ((tok == YYSYMBOL_SCALAR || tok == YYSYMBOL_GROUP) && want_ident) {
        snprintf(msg, sizeof msg, "expected a message type name before %s "
                 "(a scalar type or 'group' cannot be used here)", what);
    } else if (tok == YYSYMBOL_SYMBOL) {
        snprintf(msg, sizeof msg, "stray %s in the file", what);
    } else if (want_ident && has(expected, n, YYSYMBOL_INT) && has(expected, n, YYSYMBOL_STRING)) {
        snprintf(msg, sizeof msg, "expected a value before %s", what);
    } else if (tok == YYSYMBOL_SYNTAX && !top) {
        snprintf(msg, sizeof msg, "the syntax statement must come first in the file");
    } else if (tok == YYTRANSLATE('}') && !top) {
        snprintf(msg, sizeof msg, "unmatched '}'");
    } else if (!top && !want_ident && has(expected, n, YYSYMBOL_MESSAGE) &&
               has(expected, n, YYSYMBOL_IMPORT)) {
        snprintf(msg, sizeof msg, "expected 'message', 'enum', 'service', 'extend', 'import', "
                 "'package', 'option' or ';' before %s", what);
    } else if (n == 2 && has(expected, n, YYTRANSLATE(';')) && has(expected, n, YYTRANSLATE('['))
               && top) {
        /* Right after `name = number`: the declaration is over. */
        snprintf(msg, sizeof msg, "expected ';' after %s (found %s)",
                 top->kind == BLOCK_ENUM ? "enum value" : "field declaration", what);
    } else if (top && (top->kind == BLOCK_MESSAGE || top->kind == BLOCK_GROUP) &&
               has(expected, n, YYSYMBOL_RESERVED) && has(expected, n, YYTRANSLATE('}'))) {
        snprintf(msg, sizeof msg, "expected a field or a declaration before %s", what);
    } else if (top && top->kind == BLOCK_ENUM && has(expected, n, YYSYMBOL_RESERVED) &&
               has(expected, n, YYTRANSLATE('}'))) {
        snprintf(msg, sizeof msg, "expected an enum value, 'option', 'reserved' or '}' before %s",
                 what);
    } else if (top && top->kind == BLOCK_ONEOF && has(expected, n, YYSYMBOL_OPTION) &&
               has(expected, n, YYTRANSLATE('.'))) {
        snprintf(msg, sizeof msg, "expected a field or 'option' in oneof '%s' before %s",
                 top->name, what);
    } else if (top && top->kind == BLOCK_EXTEND && has(expected, n, YYSYMBOL_OPTIONAL) &&
               has(expected, n, YYTRANSLATE('.'))) {
        snprintf(msg, sizeof msg, "expected a field in extend '%s' before %s", top->name, what);
    } else {
        handled = false;
    }
    if (!handled) {
        if (tok == YYSYMBOL_YYEOF)
            snprintf(msg, sizeof msg, "unexpected end of file%s%s",
                     total && total <= 5 ? ", expected " : "", total && total <= 5 ? list : "");
        else if (total > 0 && total <= 5)
            snprintf(msg, sizeof msg, "expected %s before %s", list, what);
        else
            snprintf(msg, sizeof msg, "unexpected %s", what);
    }

    /* protoc reads an option's aggregate value as a brace-balanced run of
     * tokens and parses it as text format only once the whole file has parsed,
     * reporting its errors at the value's start. So an error inside an
     * aggregate is held back (parse_file reports it if nothing else went
     * wrong), and later errors inside the same value are not repeated. An
     * unclosed value (end of file) is a plain syntax error, reported now.
     * The value ends where protoc's brace count says: unless the lookahead
     * is already that '}', the scanner skips to it (see ParseState), and
     * the outermost aggregate's error rule takes it. */
    if (tok != YYSYMBOL_YYEOF && ast_aggregate_defer_error(ps, loc, msg)) {
        if (!(tok == YYTRANSLATE('}') && ps->braces == ps->agg_braces))
            ps->agg_skip = true;
        return 0;
    }
    if (tok == YYSYMBOL_YYEOF)
        ps->eof_error = true;
    diag_error(ps->diag, loc, "%s", msg);
    return 0;
}

static void yyerror(YYLTYPE *loc, yyscan_t scanner, ParseState *ps, const char *msg)
{
    (void)scanner;
    parse_error(ps, LOC(*loc), "%s", msg);
}

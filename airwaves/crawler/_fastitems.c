/* The RSS item reader of crawler/rss.py (_read_item), in C, for the items it knows.
 *
 * Reading an item in Python costs about twice what libxml2 spends building its part of
 * the tree: every child becomes an lxml proxy with a "{namespace}local" tag string, every
 * text and attribute a call through lxml. Here the children of the item are walked in
 * libxml2's own structs, and the same fields are filled in on the same dataclasses, with
 * the same rules, using Python's own str methods wherever a rule is one of them (strip,
 * lower, split, join), so the two readers agree by construction.
 *
 * An item with anything this reader does not handle (a tag read only by the Python
 * reader, raw markup in its show notes, an entity reference, an xml:base or rdf:about, a
 * child tree too deep or too wide) gives FALLBACK, and rss.py reads it in Python. Tag
 * names go through the Python TagNames, once per distinct (name, namespace) pointer pair
 * of a document, so namespace rules live in one place. Of the field rules that are not
 * str methods, the forms nearly every feed writes are read here (RFC 822 dates as
 * dates._parse_rfc822 reads them, "HH:MM:SS" and whole-second durations, ASCII numbers
 * and flags, absolute URLs); anything else calls the Python function itself.
 *
 * The dataclasses are made from templates of their fields (dataclasses.fields(), passed
 * in by rss.py) and their slots written where they lie: what __init__ and setattr would
 * do, without the calls.
 *
 * tests/crawler/test_fast_items.py reads every testdata feed, generated feeds and
 * hypothesis-mutated ones both ways and compares the results field by field.
 */

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <datetime.h>
#include <math.h>
#include <string.h>

#include <libxml/tree.h>

/* lxml's _Element, as lxml/etree.h declares it (public and unchanged since lxml 2). */
typedef struct {
    PyObject_HEAD
    void *_doc;
    xmlNode *_c_node;
    PyObject *_tag;
} LxmlElement;

/* Keys of the item's children that this reader reads (rss.py's index keys). */
enum {
    K_GUID, K_TITLE, K_LINK, K_PUBDATE, K_DCDATE, K_ATOM_PUBLISHED, K_ATOM_UPDATED,
    K_DESCRIPTION, K_CONTENT, K_IT_SUMMARY, K_IT_SUBTITLE, K_DC_CREATOR, K_AUTHOR,
    K_ENCLOSURE, K_IT_AUTHOR, K_IT_DURATION, K_IT_IMAGE, K_IT_EXPLICIT, K_IT_SEASON,
    K_IT_EPISODE, K_IT_EPISODE_TYPE, K_IT_BLOCK, K_IT_KEYWORDS, K_TRANSCRIPT, K_CHAPTERS,
    K_PERSON, K_P_SEASON, K_P_EPISODE, K_SOUNDBITE, K_LOCATION, K_ALTERNATE, K_FUNDING,
    K_LICENSE, K_SOURCE, N_KEYS
};
#define SLOT_IGNORE (-1)
#define SLOT_FALLBACK (-2)

#define MAX_CHILDREN 200
#define MAX_DEPTH 64
#define CACHE_SIZE 256 /* a power of two */

/* Set by configure(): what the Python side lends this module. */
static PyObject *names_of;      /* TagNames.of */
static PyObject *slots_dict;    /* key -> slot number */
static PyObject *ignored_keys;  /* keys neither reader reads */
static PyObject *element_type;  /* lxml.etree._Element */
static PyObject *fn_parse_date, *fn_parse_duration, *fn_resolve_url, *fn_safe_url;
static PyObject *fn_parse_int;
static PyObject *FALLBACK;      /* the sentinel */
static int configured;

static PyObject *s_empty, *s_space, *s_host, *s_cast;
static PyObject *s_semicolon, *s_comma, *s_http, *s_https;

/* Attribute names, interned once. */
#define NAMES(X) \
    X(guid) X(title) X(link) X(published) X(description_html) X(subtitle) X(author) \
    X(enclosure_url) X(enclosure_type) X(enclosure_length) X(duration) X(image_url) \
    X(explicit) X(season) X(episode_number) X(episode_type) X(transcript_urls) \
    X(chapters_url) X(media) X(tags) X(block) X(keywords) X(persons) X(funding) \
    X(season_name) X(episode_display) X(location) X(license) X(alternate_enclosures) \
    X(soundbites) X(name) X(role) X(group) X(img) X(href) X(url) X(text) X(geo) X(osm) \
    X(rel) X(start) X(uri) X(content_type) X(type) X(length) X(bitrate) X(height) \
    X(lang) X(codecs) X(default) X(sources) X(chapters_link) X(transcripts) \
    X(language) X(lower) X(__round__)
#define DECLARE(n) static PyObject *a_##n;
NAMES(DECLARE)
#undef DECLARE

/* ---------------------------------------------------------------------------------- */
/* The reader object: a per-document cache of tag names to slots.                    */

typedef struct {
    const xmlChar *name;
    const xmlChar *href;
    int slot;
} CacheEntry;

typedef struct {
    PyObject_HEAD
    CacheEntry cache[CACHE_SIZE];
    int used;
    PyObject *document; /* the lxml document the cache is of, kept alive with it */
} Reader;

/* Reading state of one item: set when the item cannot be read here. */
typedef struct {
    Reader *reader;
    int bail;
    int failed; /* an attribute could not be read: its exception is set */
} Ctx;

static int
compute_slot(xmlNode *node)
{
    PyObject *tag, *key, *slot;
    int result;
    const char *name = (const char *)node->name;
    if (node->ns != NULL && node->ns->href != NULL)
        tag = PyUnicode_FromFormat("{%s}%s", (const char *)node->ns->href, name);
    else
        tag = PyUnicode_FromString(name);
    if (tag == NULL)
        return -100;
    key = PyObject_CallOneArg(names_of, tag);
    Py_DECREF(tag);
    if (key == NULL)
        return -100;
    if (!PyUnicode_Check(key)) {
        Py_DECREF(key);
        return SLOT_FALLBACK;
    }
    slot = PyDict_GetItemWithError(slots_dict, key);
    if (slot != NULL) {
        result = (int)PyLong_AsLong(slot);
    } else if (PyErr_Occurred()) {
        result = -100;
    } else if (PyUnicode_GET_LENGTH(key) > 0 && PyUnicode_READ_CHAR(key, 0) == '{') {
        result = SLOT_IGNORE; /* a namespace no reader knows */
    } else {
        int ignored = PySet_Contains(ignored_keys, key);
        result = ignored < 0 ? -100 : (ignored ? SLOT_IGNORE : SLOT_FALLBACK);
    }
    Py_DECREF(key);
    return result;
}

/* The slot of an element, or SLOT_IGNORE / SLOT_FALLBACK; -100 with an exception set. */
static int
slot_of(Reader *reader, xmlNode *node)
{
    const xmlChar *href = node->ns != NULL ? node->ns->href : NULL;
    size_t hash = (((size_t)node->name >> 4) ^ ((size_t)href >> 3) * 31) & (CACHE_SIZE - 1);
    int slot;
    for (int probe = 0; probe < 8; probe++) {
        CacheEntry *entry = &reader->cache[(hash + probe) & (CACHE_SIZE - 1)];
        if (entry->name == node->name && entry->href == href)
            return entry->slot;
        if (entry->name == NULL) {
            slot = compute_slot(node);
            if (slot != -100 && reader->used < CACHE_SIZE / 2) {
                entry->name = node->name;
                entry->href = href;
                entry->slot = slot;
                reader->used++;
            }
            return slot;
        }
    }
    return compute_slot(node);
}

/* ---------------------------------------------------------------------------------- */
/* Strings.                                                                           */

static PyObject *
unicode_of(const xmlChar *text)
{
    return PyUnicode_DecodeUTF8((const char *)text, (Py_ssize_t)strlen((const char *)text),
                                NULL);
}

/* str.strip(): the same white space (Py_UNICODE_ISSPACE). Steals `s`. */
static PyObject *
strip(PyObject *s)
{
    Py_ssize_t n, i = 0, j;
    int kind;
    const void *data;
    if (s == NULL)
        return NULL;
    n = PyUnicode_GET_LENGTH(s);
    kind = PyUnicode_KIND(s);
    data = PyUnicode_DATA(s);
    while (i < n && Py_UNICODE_ISSPACE(PyUnicode_READ(kind, data, i)))
        i++;
    j = n;
    while (j > i && Py_UNICODE_ISSPACE(PyUnicode_READ(kind, data, j - 1)))
        j--;
    if (i == 0 && j == n)
        return s;
    PyObject *result = PyUnicode_Substring(s, i, j);
    Py_DECREF(s);
    return result;
}

static PyObject *
method0(PyObject *s, PyObject *name)
{
    return PyObject_CallMethodNoArgs(s, name);
}

/* s[:limit], stealing `s`. */
static PyObject *
cut(PyObject *s, Py_ssize_t limit)
{
    if (s == NULL || PyUnicode_GET_LENGTH(s) <= limit)
        return s;
    PyObject *result = PyUnicode_Substring(s, 0, limit);
    Py_DECREF(s);
    return result;
}

/* p20_tags._text: " ".join(value[:limit * 2].split())[:limit], "" for None or "". */
static PyObject *
fold(PyObject *value, Py_ssize_t limit)
{
    Py_ssize_t n;
    if (value == NULL || (n = PyUnicode_GET_LENGTH(value)) == 0)
        return Py_NewRef(s_empty);
    if (n <= limit) {
        /* Already folded: no white space but single spaces between words. */
        int kind = PyUnicode_KIND(value), after_space = 1;
        const void *data = PyUnicode_DATA(value);
        Py_ssize_t i;
        for (i = 0; i < n; i++) {
            Py_UCS4 c = PyUnicode_READ(kind, data, i);
            if (Py_UNICODE_ISSPACE(c)) {
                if (c != ' ' || after_space)
                    break;
                after_space = 1;
            } else {
                after_space = 0;
            }
        }
        if (i == n && !after_space)
            return Py_NewRef(value);
    }
    PyObject *head = PyUnicode_Substring(value, 0, n < limit * 2 ? n : limit * 2);
    if (head == NULL)
        return NULL;
    PyObject *words = PyUnicode_Split(head, NULL, -1);
    Py_DECREF(head);
    if (words == NULL)
        return NULL;
    PyObject *joined = PyUnicode_Join(s_space, words);
    Py_DECREF(words);
    return cut(joined, limit);
}

/* s.lower(); an ASCII string without capitals is its own lower case. */
static PyObject *
lower(PyObject *s)
{
    if (PyUnicode_IS_ASCII(s)) {
        const char *c = (const char *)PyUnicode_DATA(s);
        Py_ssize_t n = PyUnicode_GET_LENGTH(s), i = 0;
        while (i < n && !(c[i] >= 'A' && c[i] <= 'Z'))
            i++;
        if (i == n)
            return Py_NewRef(s);
    }
    return method0(s, a_lower);
}

/* s.lower(), stealing `s`. */
static PyObject *
lowered(PyObject *s)
{
    if (s == NULL)
        return NULL;
    PyObject *result = lower(s);
    Py_DECREF(s);
    return result;
}

/* s.strip().lower()[:limit], for a present value; steals `s`. */
static PyObject *
stripped_lower(PyObject *s, Py_ssize_t limit)
{
    s = strip(s);
    if (s == NULL)
        return NULL;
    PyObject *lowered = lower(s);
    Py_DECREF(s);
    return limit >= 0 ? cut(lowered, limit) : lowered;
}

/* s.startswith(("http://", "https://")). */
static int
starts_web(PyObject *s)
{
    if (PyUnicode_KIND(s) == PyUnicode_1BYTE_KIND) {
        const char *c = (const char *)PyUnicode_DATA(s);
        Py_ssize_t n = PyUnicode_GET_LENGTH(s);
        return (n >= 7 && memcmp(c, "http://", 7) == 0) ||
               (n >= 8 && memcmp(c, "https://", 8) == 0);
    }
    return PyUnicode_Tailmatch(s, s_http, 0, PY_SSIZE_T_MAX, -1) == 1 ||
           PyUnicode_Tailmatch(s, s_https, 0, PY_SSIZE_T_MAX, -1) == 1;
}

/* ---------------------------------------------------------------------------------- */
/* Text and attributes, as lxml reads them.                                           */

typedef struct {
    char *data;
    size_t length, room;
} Buffer;

static int
buffer_add(Buffer *buffer, const xmlChar *text)
{
    size_t n = strlen((const char *)text);
    if (buffer->length + n + 1 > buffer->room) {
        size_t room = (buffer->length + n + 1) * 2;
        char *data = PyMem_Realloc(buffer->data, room);
        if (data == NULL) {
            PyErr_NoMemory();
            return -1;
        }
        buffer->data = data;
        buffer->room = room;
    }
    memcpy(buffer->data + buffer->length, text, n);
    buffer->length += n;
    return 0;
}

/* Every text and CDATA node under `node`, in document order (lxml's itertext). */
static int
collect_text(Ctx *ctx, xmlNode *node, Buffer *buffer, int depth)
{
    if (depth > MAX_DEPTH) {
        ctx->bail = 1;
        return 0;
    }
    for (xmlNode *child = node->children; child != NULL; child = child->next) {
        if (child->type == XML_TEXT_NODE || child->type == XML_CDATA_SECTION_NODE) {
            if (child->content != NULL && buffer_add(buffer, child->content) < 0)
                return -1;
        } else if (child->type == XML_ELEMENT_NODE) {
            if (collect_text(ctx, child, buffer, depth + 1) < 0)
                return -1;
            if (ctx->bail)
                return 0;
        } else {
            ctx->bail = 1; /* entity references, comments: the Python reader's business */
            return 0;
        }
    }
    return 0;
}

/* parse_common.text_of: the element's text (all of it, when it has children), stripped;
 * "" for NULL. */
static PyObject *
text_of(Ctx *ctx, xmlNode *node)
{
    xmlNode *child;
    if (node == NULL)
        return Py_NewRef(s_empty);
    child = node->children;
    if (child == NULL)
        return Py_NewRef(s_empty);
    if (child->next == NULL &&
        (child->type == XML_TEXT_NODE || child->type == XML_CDATA_SECTION_NODE)) {
        return strip(unicode_of(child->content != NULL ? child->content : BAD_CAST ""));
    }
    Buffer buffer = {NULL, 0, 0};
    if (collect_text(ctx, node, &buffer, 0) < 0) {
        PyMem_Free(buffer.data);
        return NULL;
    }
    if (ctx->bail) {
        PyMem_Free(buffer.data);
        return Py_NewRef(s_empty);
    }
    PyObject *text = PyUnicode_DecodeUTF8(buffer.data != NULL ? buffer.data : "",
                                          (Py_ssize_t)buffer.length, NULL);
    PyMem_Free(buffer.data);
    return strip(text);
}

static int
has_element_children(xmlNode *node)
{
    for (xmlNode *child = node->children; child != NULL; child = child->next)
        if (child->type != XML_TEXT_NODE && child->type != XML_CDATA_SECTION_NODE)
            return 1;
    return 0;
}

/* parse_common.html_at for an element of text only; raw markup goes to Python. */
static PyObject *
html_of(Ctx *ctx, xmlNode *node)
{
    if (node != NULL && has_element_children(node)) {
        ctx->bail = 1;
        return Py_NewRef(s_empty);
    }
    return text_of(ctx, node);
}

/* element.get(name): an attribute without a namespace; NULL (no error) when absent. */
static PyObject *
attribute(Ctx *ctx, xmlNode *node, const char *name)
{
    for (xmlAttr *attr = node->properties; attr != NULL; attr = attr->next) {
        const char *own = (const char *)attr->name;
        if (attr->ns != NULL || own[0] != name[0] || strcmp(own, name) != 0)
            continue;
        xmlNode *child = attr->children;
        PyObject *value;
        if (child == NULL)
            return Py_NewRef(s_empty);
        if (child->next == NULL && child->type == XML_TEXT_NODE) {
            value = unicode_of(child->content != NULL ? child->content : BAD_CAST "");
            ctx->failed |= value == NULL;
            return value;
        }
        Buffer buffer = {NULL, 0, 0};
        for (; child != NULL; child = child->next) {
            if (child->type != XML_TEXT_NODE) {
                ctx->bail = 1;
                PyMem_Free(buffer.data);
                return NULL;
            }
            if (child->content != NULL && buffer_add(&buffer, child->content) < 0) {
                PyMem_Free(buffer.data);
                ctx->failed = 1;
                return NULL;
            }
        }
        value = PyUnicode_DecodeUTF8(buffer.data != NULL ? buffer.data : "",
                                     (Py_ssize_t)buffer.length, NULL);
        PyMem_Free(buffer.data);
        ctx->failed |= value == NULL;
        return value;
    }
    return NULL;
}

/* After attribute() gave NULL: was it an error (set as an exception), or absence? */
#define FAILED() (ctx->failed)

/* ---------------------------------------------------------------------------------- */
/* Scalars, as parse_common and p20_tags read them.                                   */

static PyObject *
call1(PyObject *function, PyObject *value)
{
    return PyObject_CallOneArg(function, value);
}

/* parse_common.parse_int; steals nothing. */
static PyObject *
parse_int(PyObject *text)
{
    if (text == NULL || PyUnicode_GET_LENGTH(text) == 0)
        Py_RETURN_NONE;
    PyObject *value = strip(Py_NewRef(text));
    if (value == NULL)
        return NULL;
    Py_ssize_t n = PyUnicode_GET_LENGTH(value);
    if (!PyUnicode_IS_ASCII(value)) {
        Py_DECREF(value);
        return call1(fn_parse_int, text);
    }
    const char *digits = (const char *)PyUnicode_DATA(value);
    if (n == 0 || n >= 19) {
        Py_DECREF(value);
        Py_RETURN_NONE;
    }
    long long number = 0;
    for (Py_ssize_t i = 0; i < n; i++) {
        if (digits[i] < '0' || digits[i] > '9') {
            Py_DECREF(value);
            Py_RETURN_NONE;
        }
        number = number * 10 + (digits[i] - '0');
    }
    Py_DECREF(value);
    return PyLong_FromLongLong(number);
}

/* parse_common.parse_bool: True, False or None. */
static PyObject *
parse_bool(PyObject *text)
{
    PyObject *value = stripped_lower(Py_NewRef(text), -1);
    if (value == NULL)
        return NULL;
    static const char *yes[] = {"yes", "true", "explicit", "1", NULL};
    static const char *no[] = {"no", "false", "clean", "0", NULL};
    PyObject *result = Py_None;
    for (int i = 0; yes[i]; i++)
        if (PyUnicode_CompareWithASCIIString(value, yes[i]) == 0)
            result = Py_True;
    for (int i = 0; no[i]; i++)
        if (PyUnicode_CompareWithASCIIString(value, no[i]) == 0)
            result = Py_False;
    Py_DECREF(value);
    return Py_NewRef(result);
}

/* parse_common.resolve_url. */
static PyObject *
resolve_url(PyObject *value, PyObject *base)
{
    if (value == NULL || PyUnicode_GET_LENGTH(value) == 0)
        return Py_NewRef(s_empty);
    PyObject *url = strip(Py_NewRef(value));
    if (url == NULL)
        return NULL;
    if (PyUnicode_GET_LENGTH(base) == 0 || starts_web(url))
        return url;
    Py_DECREF(url);
    return PyObject_CallFunctionObjArgs(fn_resolve_url, value, base, NULL);
}

#define URL_CHARS 2048

/* p20_tags.safe_url. */
static PyObject *
safe_url(PyObject *value, PyObject *base)
{
    if (value == NULL || PyUnicode_GET_LENGTH(value) == 0 ||
        PyUnicode_GET_LENGTH(value) > URL_CHARS)
        return Py_NewRef(s_empty);
    PyObject *url = strip(Py_NewRef(value));
    if (url == NULL)
        return NULL;
    if (!starts_web(url)) {
        Py_DECREF(url);
        return PyObject_CallFunctionObjArgs(fn_safe_url, value, base, NULL);
    }
    Py_ssize_t n = PyUnicode_GET_LENGTH(url);
    int kind = PyUnicode_KIND(url);
    const void *data = PyUnicode_DATA(url);
    for (Py_ssize_t i = 0; i < n; i++) {
        Py_UCS4 c = PyUnicode_READ(kind, data, i);
        if (c == ' ' || c == '"' || c == '\'' || c == '<' || c == '>' || c == '\n' ||
            c == '\r' || c == '\t') {
            Py_DECREF(url);
            return Py_NewRef(s_empty);
        }
    }
    return url;
}

/* p20_tags._number: a finite float >= 0 from at most 30 characters, else None. */
static PyObject *
number_of(PyObject *value)
{
    if (value == NULL || PyUnicode_GET_LENGTH(value) == 0 || PyUnicode_GET_LENGTH(value) > 30)
        Py_RETURN_NONE;
    PyObject *number = PyFloat_FromString(value);
    if (number == NULL) {
        if (!PyErr_ExceptionMatches(PyExc_ValueError))
            return NULL;
        PyErr_Clear();
        Py_RETURN_NONE;
    }
    double x = PyFloat_AS_DOUBLE(number);
    if (!isfinite(x) || !(x >= 0)) {
        Py_DECREF(number);
        Py_RETURN_NONE;
    }
    return number;
}

/* p20_tags._seconds: round(_number(value), 3). */
static PyObject *
seconds_of(PyObject *value)
{
    PyObject *number = number_of(value);
    if (number == NULL || number == Py_None)
        return number;
    double x = PyFloat_AS_DOUBLE(number);
    if (x == floor(x) && x < 4503599627370496.0)
        return number; /* a whole number of seconds is its own rounding */
    PyObject *three = PyLong_FromLong(3);
    PyObject *rounded = three ? PyObject_CallMethodOneArg(number, a___round__, three) : NULL;
    Py_XDECREF(three);
    Py_DECREF(number);
    return rounded;
}

/* ---------------------------------------------------------------------------------- */
/* The dataclasses, made as their __init__ makes them with no arguments.              */

/* Each field of a slots dataclass is a member at an offset of the object: its default
 * (shared, as __init__ shares it), a new list, or a new object of another template.
 * configure() gets the fields from dataclasses.fields(), so a field added there is
 * made here too. */
enum { T_EPISODE, T_MEDIA, T_TAGS, T_PERSON, T_SOUNDBITE, T_LOCATION, T_LICENSE,
       T_FUNDING, T_ALTERNATE, T_SOURCE, T_LINK, N_TEMPLATES };
enum { F_VALUE, F_LIST, F_OBJECT };

typedef struct {
    PyObject *name;
    Py_ssize_t offset;
    int kind;
    PyObject *value; /* F_VALUE */
    int nested;      /* F_OBJECT */
} FieldInit;

typedef struct {
    PyTypeObject *type;
    Py_ssize_t n;
    FieldInit *fields;
} Template;

static Template templates[N_TEMPLATES];

static PyObject *
make(int which)
{
    Template *t = &templates[which];
    PyObject *object = t->type->tp_alloc(t->type, 0);
    if (object == NULL)
        return NULL;
    for (Py_ssize_t i = 0; i < t->n; i++) {
        FieldInit *f = &t->fields[i];
        PyObject *value;
        if (f->kind == F_VALUE)
            value = Py_NewRef(f->value);
        else if (f->kind == F_LIST)
            value = PyList_New(0);
        else
            value = make(f->nested);
        if (value == NULL) {
            Py_DECREF(object);
            return NULL;
        }
        *(PyObject **)((char *)object + f->offset) = value;
    }
    return object;
}

static Py_ssize_t
member_offset(PyTypeObject *type, PyObject *name)
{
    PyObject *descriptor = PyDict_GetItemWithError(type->tp_dict, name);
    if (descriptor == NULL || !Py_IS_TYPE(descriptor, &PyMemberDescr_Type) ||
        ((PyMemberDescrObject *)descriptor)->d_member->type != Py_T_OBJECT_EX) {
        if (!PyErr_Occurred())
            PyErr_Format(PyExc_TypeError, "configure(): %R.%U is not a slot", type, name);
        return -1;
    }
    return ((PyMemberDescrObject *)descriptor)->d_member->offset;
}

/* templates: a list, in the order of the T_ enum, of (class, [(name, kind, value)]) with
 * kind "value" (value: the default), "list", or "object" (value: a template number). */
static int
load_templates(PyObject *list)
{
    if (!PyList_Check(list) || PyList_GET_SIZE(list) != N_TEMPLATES) {
        PyErr_SetString(PyExc_TypeError, "configure(): templates");
        return -1;
    }
    for (int i = 0; i < N_TEMPLATES; i++) {
        PyObject *entry = PyList_GET_ITEM(list, i), *cls, *fields;
        if (!PyArg_ParseTuple(entry, "OO!", &cls, &PyList_Type, &fields))
            return -1;
        if (!PyType_Check(cls) || ((PyTypeObject *)cls)->tp_dictoffset != 0) {
            PyErr_SetString(PyExc_TypeError, "configure(): templates need slots classes");
            return -1;
        }
        Py_ssize_t n = PyList_GET_SIZE(fields);
        FieldInit *inits = PyMem_Calloc(n ? n : 1, sizeof(FieldInit));
        if (inits == NULL) {
            PyErr_NoMemory();
            return -1;
        }
        for (Py_ssize_t j = 0; j < n; j++) {
            PyObject *name, *value;
            const char *kind;
            if (!PyArg_ParseTuple(PyList_GET_ITEM(fields, j), "UsO", &name, &kind, &value)) {
                PyMem_Free(inits);
                return -1;
            }
            inits[j].name = Py_NewRef(name);
            inits[j].offset = member_offset((PyTypeObject *)cls, name);
            if (inits[j].offset < 0) {
                PyMem_Free(inits);
                return -1;
            }
            if (strcmp(kind, "value") == 0) {
                inits[j].kind = F_VALUE;
                inits[j].value = Py_NewRef(value);
            } else if (strcmp(kind, "list") == 0) {
                inits[j].kind = F_LIST;
            } else {
                inits[j].kind = F_OBJECT;
                inits[j].nested = (int)PyLong_AsLong(value);
                if (inits[j].nested <= i || inits[j].nested >= N_TEMPLATES) {
                    PyErr_SetString(PyExc_ValueError, "configure(): nested template order");
                    PyMem_Free(inits);
                    return -1;
                }
            }
        }
        templates[i].type = (PyTypeObject *)Py_NewRef(cls);
        templates[i].n = n;
        templates[i].fields = inits;
    }
    return 0;
}

/* ---------------------------------------------------------------------------------- */
/* Dates and durations: the forms nearly every feed writes, else the Python functions.  */

static int
digits_at(const char *s, int n, long *out)
{
    long value = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return 0;
        value = value * 10 + (s[i] - '0');
    }
    *out = value;
    return 1;
}

static int
is_alpha(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

/* dates._parse_rfc822: "Wed, 15 Apr 2026 09:00:00 GMT" / "+0200". 1 with *result set, 0
 * when the text is not in that form (or is at the edges of datetime's range). */
static int
rfc822(PyObject *text, PyObject **result)
{
    static const char *months = "janfebmaraprmayjunjulaugsepoctnovdec";
    Py_ssize_t length = PyUnicode_GET_LENGTH(text);
    if (!PyUnicode_IS_ASCII(text) || length >= 40)
        return 0;
    const char *s = (const char *)PyUnicode_DATA(text);
    int n = (int)length, i = 0;
    if (n >= 5 && is_alpha(s[0]) && is_alpha(s[1]) && is_alpha(s[2]) && s[3] == ',' &&
        s[4] == ' ')
        i = 5;
    long day, year, hour, minute, second, zone_hours = 0, zone_minutes = 0;
    int day_digits = (i + 1 < n && s[i + 1] >= '0' && s[i + 1] <= '9') ? 2 : 1;
    if (!digits_at(s + i, day_digits, &day))
        return 0;
    i += day_digits;
    /* " Mon YYYY HH:MM:SS " is 19 characters. */
    if (n - i < 19 || s[i] != ' ' || !is_alpha(s[i + 1]) || !is_alpha(s[i + 2]) ||
        !is_alpha(s[i + 3]) || s[i + 4] != ' ' || s[i + 9] != ' ' || s[i + 12] != ':' ||
        s[i + 15] != ':' || s[i + 18] != ' ')
        return 0;
    char month_name[3] = {(char)(s[i + 1] | 32), (char)(s[i + 2] | 32), (char)(s[i + 3] | 32)};
    int month = 0;
    for (int m = 0; m < 12; m++)
        if (memcmp(months + 3 * m, month_name, 3) == 0)
            month = m + 1;
    if (!month || !digits_at(s + i + 5, 4, &year) || !digits_at(s + i + 10, 2, &hour) ||
        !digits_at(s + i + 13, 2, &minute) || !digits_at(s + i + 16, 2, &second))
        return 0;
    const char *zone = s + i + 19;
    int zone_length = n - i - 19, sign = 0;
    if ((zone_length == 3 && (memcmp(zone, "GMT", 3) == 0 || memcmp(zone, "UTC", 3) == 0)) ||
        (zone_length == 2 && memcmp(zone, "UT", 2) == 0) || (zone_length == 1 && zone[0] == 'Z')) {
        sign = 0;
    } else if (zone_length == 5 && (zone[0] == '+' || zone[0] == '-') &&
               digits_at(zone + 1, 2, &zone_hours) && digits_at(zone + 3, 2, &zone_minutes)) {
        sign = zone[0] == '+' ? 1 : -1;
        if (zone_hours * 60 + zone_minutes > 14 * 60 + 59 || zone_minutes > 59)
            return 0;
    } else {
        return 0;
    }
    /* datetime() refuses what it refuses; an offset near year 1 or 9999 may overflow. */
    if (year < 2 || year > 9998 || hour > 23 || minute > 59 || second > 59 || day < 1)
        return 0;
    static const int days_in[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    if (day > days_in[month - 1] + (month == 2 && leap))
        return 0;
    PyObject *dt = PyDateTimeAPI->DateTime_FromDateAndTime(
        (int)year, month, (int)day, (int)hour, (int)minute, (int)second, 0,
        PyDateTime_TimeZone_UTC, PyDateTimeAPI->DateTimeType);
    if (dt == NULL)
        return -1;
    if (sign != 0 && (zone_hours || zone_minutes)) {
        PyObject *delta = PyDelta_FromDSU(0, (int)(sign * (zone_hours * 3600 + zone_minutes * 60)), 0);
        PyObject *shifted = delta ? PyNumber_Subtract(dt, delta) : NULL;
        Py_XDECREF(delta);
        Py_DECREF(dt);
        if (shifted == NULL)
            return -1;
        dt = shifted;
    }
    *result = dt;
    return 1;
}

/* lib/dates.parse_date. */
static PyObject *
parse_date(PyObject *text)
{
    PyObject *result = NULL;
    int fast = rfc822(text, &result);
    if (fast < 0)
        return NULL;
    if (fast)
        return result;
    return PyObject_CallOneArg(fn_parse_date, text);
}

#define MAX_DURATION (7 * 24 * 3600)

/* lib/durations.parse_duration, for "HH:MM:SS", "MM:SS" and whole seconds. */
static PyObject *
parse_duration(PyObject *value)
{
    PyObject *text = strip(Py_NewRef(value));
    if (text == NULL)
        return NULL;
    Py_ssize_t n = PyUnicode_GET_LENGTH(text);
    if (n == 0 || n > 60) {
        Py_DECREF(text);
        Py_RETURN_NONE;
    }
    if (PyUnicode_IS_ASCII(text)) {
        const char *s = (const char *)PyUnicode_DATA(text);
        long long total = 0, part = 0;
        int parts = 1, digits = 0, ok = 1;
        for (Py_ssize_t i = 0; i < n && ok; i++) {
            if (s[i] == ':') {
                ok = digits > 0 && parts < 3;
                total = total * 60 + part;
                part = 0;
                digits = 0;
                parts++;
            } else if (s[i] >= '0' && s[i] <= '9') {
                ok = ++digits <= 12;
                part = part * 10 + (s[i] - '0');
            } else {
                ok = 0;
            }
        }
        if (ok && digits > 0) {
            total = total * 60 + part;
            Py_DECREF(text);
            if (total > 0 && total <= MAX_DURATION)
                return PyLong_FromLongLong(total);
            Py_RETURN_NONE;
        }
    }
    Py_DECREF(text);
    return PyObject_CallOneArg(fn_parse_duration, value);
}

/* ---------------------------------------------------------------------------------- */
/* The item.                                                                          */

typedef struct {
    xmlNode *first[N_KEYS];
    xmlNode *kids[MAX_CHILDREN];
    signed char kslot[MAX_CHILDREN];
    int n;
} Index;

/* The field `name` of a template's type, or NULL. */
static FieldInit *
field_lookup(PyTypeObject *type, PyObject *name)
{
    for (int t = 0; t < N_TEMPLATES; t++) {
        if (templates[t].type != type)
            continue;
        FieldInit *fields = templates[t].fields;
        for (Py_ssize_t i = 0; i < templates[t].n; i++)
            if (fields[i].name == name)
                return &fields[i];
        for (Py_ssize_t i = 0; i < templates[t].n; i++)
            if (PyUnicode_Compare(fields[i].name, name) == 0)
                return &fields[i];
        return NULL;
    }
    return NULL;
}

/* Fields by template and name, found once by configure(): a field is one load away. */
#define ENUMERATE(n) N_##n,
enum { NAMES(ENUMERATE) N_NAMES };
#undef ENUMERATE
static FieldInit *field_table[N_TEMPLATES][N_NAMES];

static int
load_field_table(void)
{
#define LIST(n) a_##n,
    PyObject *names[N_NAMES] = {NAMES(LIST)};
#undef LIST
    for (int t = 0; t < N_TEMPLATES; t++)
        for (int n = 0; n < N_NAMES; n++)
            field_table[t][n] = field_lookup(templates[t].type, names[n]);
    return PyErr_Occurred() ? -1 : 0;
}

/* object.name = value for an object made from template `t`, stealing `value`. */
static int
put(PyObject *object, int t, int n, PyObject *value)
{
    FieldInit *field = field_table[t][n];
    if (value == NULL)
        return -1;
    if (field == NULL || Py_TYPE(object) != templates[t].type) {
        PyErr_Format(PyExc_TypeError, "_fastitems: no field %d of template %d", n, t);
        Py_DECREF(value);
        return -1;
    }
    PyObject **slot = (PyObject **)((char *)object + field->offset);
    PyObject *old = *slot;
    *slot = value;
    Py_XDECREF(old);
    return 0;
}

static int
put_ref(PyObject *object, int t, int n, PyObject *value)
{
    return put(object, t, n, Py_NewRef(value));
}

/* object.name, a new reference, for an object made from template `t`. */
static PyObject *
get_field(PyObject *object, int t, int n)
{
    FieldInit *field = field_table[t][n];
    PyObject *value;
    if (field == NULL || Py_TYPE(object) != templates[t].type ||
        (value = *(PyObject **)((char *)object + field->offset)) == NULL) {
        PyErr_Format(PyExc_TypeError, "_fastitems: no field %d of template %d", n, t);
        return NULL;
    }
    return Py_NewRef(value);
}

#define TRY(expression) \
    do { \
        if ((expression) < 0) \
            goto error; \
    } while (0)
#define NEW(variable, expression) \
    do { \
        Py_XDECREF(variable); \
        variable = (expression); \
        if (variable == NULL) \
            goto error; \
    } while (0)

/* A person's role or group: (_text(value, 50).lower() or default) if value else default. */
static PyObject *
person_word(Ctx *ctx, xmlNode *node, const char *name, PyObject *default_word)
{
    PyObject *value = attribute(ctx, node, name);
    if (value == NULL)
        return FAILED() ? NULL : Py_NewRef(default_word);
    PyObject *word = PyUnicode_GET_LENGTH(value) ? lowered(fold(value, 50)) : Py_NewRef(s_empty);
    Py_DECREF(value);
    if (word != NULL && PyUnicode_GET_LENGTH(word) == 0)
        Py_SETREF(word, Py_NewRef(default_word));
    return word;
}

/* p20_tags.people. */
static PyObject *
people(Ctx *ctx, Index *index, PyObject *base)
{
    PyObject *found = PyList_New(0), *text = NULL, *name = NULL, *value = NULL;
    PyObject *person = NULL;
    if (found == NULL)
        return NULL;
    for (int i = 0; i < index->n; i++) {
        if (index->kslot[i] != K_PERSON)
            continue;
        if (PyList_GET_SIZE(found) == 50)
            break;
        xmlNode *node = index->kids[i];
        NEW(text, text_of(ctx, node));
        NEW(name, fold(text, 200));
        if (PyUnicode_GET_LENGTH(name) == 0)
            continue;
        NEW(person, make(T_PERSON));
        TRY(put_ref(person, T_PERSON, N_name, name));
        TRY(put(person, T_PERSON, N_role, person_word(ctx, node, "role", s_host)));
        TRY(put(person, T_PERSON, N_group, person_word(ctx, node, "group", s_cast)));
        Py_XDECREF(value);
        value = attribute(ctx, node, "img");
        if (value == NULL && FAILED())
            goto error;
        TRY(put(person, T_PERSON, N_img, value != NULL && PyUnicode_GET_LENGTH(value)
                                   ? safe_url(value, base) : Py_NewRef(s_empty)));
        Py_XDECREF(value);
        value = attribute(ctx, node, "href");
        if (value == NULL && FAILED())
            goto error;
        TRY(put(person, T_PERSON, N_href, value != NULL && PyUnicode_GET_LENGTH(value)
                                    ? safe_url(value, base) : Py_NewRef(s_empty)));
        TRY(PyList_Append(found, person));
        if (ctx->bail)
            break;
    }
    Py_XDECREF(text);
    Py_XDECREF(name);
    Py_XDECREF(value);
    Py_XDECREF(person);
    return found;
error:
    Py_XDECREF(text);
    Py_XDECREF(name);
    Py_XDECREF(value);
    Py_XDECREF(person);
    Py_DECREF(found);
    return NULL;
}

/* p20_tags.funding. */
static PyObject *
funding(Ctx *ctx, Index *index, PyObject *base)
{
    PyObject *found = PyList_New(0), *value = NULL, *url = NULL, *item = NULL;
    int seen = 0;
    if (found == NULL)
        return NULL;
    for (int i = 0; i < index->n && seen < 10; i++) {
        if (index->kslot[i] != K_FUNDING)
            continue;
        seen++;
        xmlNode *node = index->kids[i];
        Py_XDECREF(value);
        value = attribute(ctx, node, "url");
        if (value == NULL && FAILED())
            goto error;
        NEW(url, safe_url(value, base));
        if (PyUnicode_GET_LENGTH(url) == 0)
            continue;
        NEW(item, make(T_FUNDING));
        TRY(put_ref(item, T_FUNDING, N_url, url));
        PyObject *text = text_of(ctx, node);
        TRY(put(item, T_FUNDING, N_text, text ? fold(text, 200) : NULL));
        Py_XDECREF(text);
        TRY(PyList_Append(found, item));
    }
    Py_XDECREF(value);
    Py_XDECREF(url);
    Py_XDECREF(item);
    return found;
error:
    Py_XDECREF(value);
    Py_XDECREF(url);
    Py_XDECREF(item);
    Py_DECREF(found);
    return NULL;
}

/* An attribute folded to `limit`, "" when absent or empty (p20_tags: `_text(v) if v`). */
static PyObject *
folded_attribute(Ctx *ctx, xmlNode *node, const char *name, Py_ssize_t limit)
{
    PyObject *value = attribute(ctx, node, name);
    if (value == NULL)
        return FAILED() ? NULL : Py_NewRef(s_empty);
    PyObject *result = fold(value, limit);
    Py_DECREF(value);
    return result;
}

/* p20_tags.location. */
static PyObject *
location(Ctx *ctx, xmlNode *node)
{
    PyObject *text = text_of(ctx, node), *name = NULL, *geo = NULL, *osm = NULL;
    PyObject *found = NULL, *rel = NULL;
    if (text == NULL)
        return NULL;
    name = fold(text, 200);
    Py_DECREF(text);
    if (name == NULL)
        goto error;
    NEW(geo, folded_attribute(ctx, node, "geo", 100));
    NEW(osm, folded_attribute(ctx, node, "osm", 40));
    if (!PyUnicode_GET_LENGTH(name) && !PyUnicode_GET_LENGTH(geo) && !PyUnicode_GET_LENGTH(osm)) {
        found = Py_NewRef(Py_None);
        goto done;
    }
    NEW(found, make(T_LOCATION));
    TRY(put_ref(found, T_LOCATION, N_name, name));
    TRY(put_ref(found, T_LOCATION, N_geo, geo));
    TRY(put_ref(found, T_LOCATION, N_osm, osm));
    rel = attribute(ctx, node, "rel");
    if (rel == NULL && FAILED())
        goto error;
    if (rel != NULL && PyUnicode_GET_LENGTH(rel)) {
        PyObject *folded = fold(rel, 20);
        TRY(put(found, T_LOCATION, N_rel, lowered(folded)));
    }
done:
    Py_XDECREF(name);
    Py_XDECREF(geo);
    Py_XDECREF(osm);
    Py_XDECREF(rel);
    return found;
error:
    Py_XDECREF(name);
    Py_XDECREF(geo);
    Py_XDECREF(osm);
    Py_XDECREF(rel);
    Py_XDECREF(found);
    return NULL;
}

/* p20_tags.license_of. */
static PyObject *
license_of(Ctx *ctx, xmlNode *node, PyObject *base)
{
    PyObject *text = text_of(ctx, node), *name, *value, *url, *found;
    if (text == NULL)
        return NULL;
    name = fold(text, 200);
    Py_DECREF(text);
    if (name == NULL)
        return NULL;
    value = attribute(ctx, node, "url");
    if (value == NULL && FAILED()) {
        Py_DECREF(name);
        return NULL;
    }
    url = safe_url(value, base);
    Py_XDECREF(value);
    if (url == NULL) {
        Py_DECREF(name);
        return NULL;
    }
    if (!PyUnicode_GET_LENGTH(name) && !PyUnicode_GET_LENGTH(url)) {
        found = Py_NewRef(Py_None);
    } else {
        found = make(T_LICENSE);
        if (found != NULL && (put_ref(found, T_LICENSE, N_name, name) < 0 ||
                              put_ref(found, T_LICENSE, N_url, url) < 0))
            Py_CLEAR(found);
    }
    Py_DECREF(name);
    Py_DECREF(url);
    return found;
}

/* p20_tags.alternate_enclosure: None when it has no usable source. */
static PyObject *
alternate_enclosure(Ctx *ctx, xmlNode *node, PyObject *base)
{
    PyObject *sources = PyList_New(0), *value = NULL, *uri = NULL, *source = NULL;
    PyObject *found = NULL;
    if (sources == NULL)
        return NULL;
    for (xmlNode *child = node->children; child != NULL; child = child->next) {
        if (child->type == XML_TEXT_NODE || child->type == XML_CDATA_SECTION_NODE)
            continue;
        if (child->type != XML_ELEMENT_NODE) {
            ctx->bail = 1;
            found = Py_NewRef(Py_None);
            goto done;
        }
        if (PyList_GET_SIZE(sources) == 10)
            break;
        int slot = slot_of(ctx->reader, child);
        if (slot == -100)
            goto error;
        if (slot != K_SOURCE)
            continue;
        Py_XDECREF(value);
        value = attribute(ctx, child, "uri");
        if (value == NULL && FAILED())
            goto error;
        NEW(uri, safe_url(value, base));
        if (!PyUnicode_GET_LENGTH(uri))
            continue;
        NEW(source, make(T_SOURCE));
        TRY(put_ref(source, T_SOURCE, N_uri, uri));
        Py_XDECREF(value);
        value = attribute(ctx, child, "contentType");
        if (value == NULL && FAILED())
            goto error;
        if (value != NULL && PyUnicode_GET_LENGTH(value))
            TRY(put(source, T_SOURCE, N_content_type, fold(value, 100)));
        TRY(PyList_Append(sources, source));
    }
    if (!PyList_GET_SIZE(sources)) {
        found = Py_NewRef(Py_None);
        goto done;
    }
    NEW(found, make(T_ALTERNATE));
    TRY(put_ref(found, T_ALTERNATE, N_sources, sources));
    static const struct {
        const char *name;
        int how; /* 0 folded text (limit), 1 int, 2 number, 3 flag */
        Py_ssize_t limit;
    } fields[] = {
        {"type", 0, 100}, {"length", 1, 0}, {"bitrate", 2, 0}, {"height", 1, 0},
        {"lang", 0, 35}, {"title", 0, 200}, {"rel", 0, 40}, {"codecs", 0, 100},
        {"default", 3, 0},
    };
    static const int names[] = {N_type, N_length, N_bitrate, N_height, N_lang, N_title,
                                N_rel, N_codecs, N_default};
    for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
        Py_XDECREF(value);
        value = attribute(ctx, node, fields[i].name);
        if (value == NULL && FAILED())
            goto error;
        if (value == NULL || !PyUnicode_GET_LENGTH(value))
            continue;
        PyObject *result;
        switch (fields[i].how) {
        case 0:
            result = fold(value, fields[i].limit);
            break;
        case 1:
            result = parse_int(value);
            break;
        case 2:
            result = number_of(value);
            break;
        default: {
            PyObject *flag = parse_bool(value);
            result = flag ? PyBool_FromLong(flag == Py_True) : NULL;
            Py_XDECREF(flag);
        }
        }
        TRY(put(found, T_ALTERNATE, names[i], result));
    }
done:
    Py_XDECREF(value);
    Py_XDECREF(uri);
    Py_XDECREF(source);
    Py_DECREF(sources);
    return found;
error:
    Py_XDECREF(value);
    Py_XDECREF(uri);
    Py_XDECREF(source);
    Py_XDECREF(found);
    Py_DECREF(sources);
    return NULL;
}

/* p20_media._lower. */
static PyObject *
lower_attribute(Ctx *ctx, xmlNode *node, const char *name)
{
    PyObject *value = attribute(ctx, node, name);
    if (value == NULL)
        return FAILED() ? NULL : Py_NewRef(s_empty);
    if (!PyUnicode_GET_LENGTH(value))
        return value;
    return stripped_lower(value, 500);
}

static int
is_web(PyObject *url)
{
    return PyUnicode_GET_LENGTH(url) <= URL_CHARS && starts_web(url);
}

/* p20_media.apply_media_tags, for podcast:chapters and podcast:transcript. */
static int
media_tags(Ctx *ctx, Index *index, PyObject *episode, PyObject *base)
{
    PyObject *media = NULL, *value = NULL, *url = NULL, *link = NULL, *list = NULL;
    PyObject *urls = NULL;
    int result = -1;
    if (index->first[K_CHAPTERS] == NULL && index->first[K_TRANSCRIPT] == NULL)
        return 0;
    media = get_field(episode, T_EPISODE, N_media);
    if (media == NULL)
        return -1;
    xmlNode *chapters = index->first[K_CHAPTERS];
    if (chapters != NULL) {
        value = attribute(ctx, chapters, "url");
        if (value == NULL && FAILED())
            goto error;
        NEW(url, resolve_url(value, base));
        TRY(put_ref(episode, T_EPISODE, N_chapters_url, url));
        if (is_web(url)) {
            NEW(link, make(T_LINK));
            TRY(put_ref(link, T_LINK, N_url, url));
            TRY(put(link, T_LINK, N_type, lower_attribute(ctx, chapters, "type")));
            TRY(put_ref(media, T_MEDIA, N_chapters_link, link));
        }
    }
    if (index->first[K_TRANSCRIPT] != NULL) {
        NEW(urls, get_field(episode, T_EPISODE, N_transcript_urls));
        NEW(list, get_field(media, T_MEDIA, N_transcripts));
        for (int i = 0; i < index->n; i++) {
            if (index->kslot[i] != K_TRANSCRIPT)
                continue;
            xmlNode *node = index->kids[i];
            Py_XDECREF(value);
            value = attribute(ctx, node, "url");
            if (value == NULL && FAILED())
                goto error;
            NEW(url, resolve_url(value, base));
            if (!PyUnicode_GET_LENGTH(url))
                continue;
            TRY(PyList_Append(urls, url));
            if (PyList_GET_SIZE(list) == 20)
                continue;
            /* `url in seen`: the URLs of the links kept so far. */
            int known = 0;
            for (Py_ssize_t j = 0; j < PyList_GET_SIZE(list) && !known; j++) {
                PyObject *other = get_field(PyList_GET_ITEM(list, j), T_LINK, N_url);
                if (other == NULL)
                    goto error;
                known = PyUnicode_Compare(other, url) == 0;
                Py_DECREF(other);
            }
            if (known || !is_web(url))
                continue;
            NEW(link, make(T_LINK));
            TRY(put_ref(link, T_LINK, N_url, url));
            TRY(put(link, T_LINK, N_type, lower_attribute(ctx, node, "type")));
            Py_XDECREF(value);
            value = attribute(ctx, node, "language");
            if (value == NULL && FAILED())
                goto error;
            if (value != NULL && PyUnicode_GET_LENGTH(value))
                TRY(put(link, T_LINK, N_language, cut(strip(Py_NewRef(value)), 35)));
            Py_XDECREF(value);
            value = attribute(ctx, node, "rel");
            if (value == NULL && FAILED())
                goto error;
            if (value != NULL && PyUnicode_GET_LENGTH(value))
                TRY(put(link, T_LINK, N_rel, stripped_lower(Py_NewRef(value), 500)));
            TRY(PyList_Append(list, link));
        }
    }
    result = 0;
error:
    Py_XDECREF(media);
    Py_XDECREF(value);
    Py_XDECREF(url);
    Py_XDECREF(link);
    Py_XDECREF(list);
    Py_XDECREF(urls);
    return result;
}

/* parse_common.keywords, from itunes:keywords. */
static PyObject *
keywords(Ctx *ctx, xmlNode *node)
{
    PyObject *text = text_of(ctx, node), *replaced = NULL, *parts = NULL, *words = NULL;
    PyObject *result = NULL;
    if (text == NULL)
        return NULL;
    if (!PyUnicode_GET_LENGTH(text)) {
        Py_DECREF(text);
        return PyList_New(0);
    }
    replaced = PyUnicode_Replace(text, s_semicolon, s_comma, -1);
    if (replaced == NULL)
        goto done;
    parts = PyUnicode_Split(replaced, s_comma, -1);
    if (parts == NULL)
        goto done;
    words = PyDict_New();
    if (words == NULL)
        goto done;
    for (Py_ssize_t i = 0; i < PyList_GET_SIZE(parts); i++) {
        PyObject *word = cut(strip(Py_NewRef(PyList_GET_ITEM(parts, i))), 100);
        if (word == NULL)
            goto done;
        int failed = PyDict_SetDefault(words, word, Py_None) == NULL;
        Py_DECREF(word);
        if (failed)
            goto done;
    }
    int has_empty = PyDict_Contains(words, s_empty);
    if (has_empty < 0 || (has_empty && PyDict_DelItem(words, s_empty) < 0))
        goto done;
    PyObject *keys = PyDict_Keys(words);
    if (keys == NULL)
        goto done;
    if (PyList_GET_SIZE(keys) > 100) {
        result = PyList_GetSlice(keys, 0, 100);
        Py_DECREF(keys);
    } else {
        result = keys;
    }
done:
    Py_DECREF(text);
    Py_XDECREF(replaced);
    Py_XDECREF(parts);
    Py_XDECREF(words);
    return result;
}

/* parse_date(text) or None when text is "". */
static PyObject *
date_of(PyObject *text)
{
    if (!PyUnicode_GET_LENGTH(text))
        Py_RETURN_NONE;
    return parse_date(text);
}

static PyObject *
read_item(Reader *reader, xmlNode *item, PyObject *base)
{
    Index index;
    Ctx context = {reader, 0, 0}, *ctx = &context;
    PyObject *episode = NULL, *tags = NULL, *text = NULL, *value = NULL, *list = NULL;
    PyObject *subtitle = NULL, *image_url = NULL, *explicit = NULL, *guid_text = NULL;
    PyObject *title = NULL, *link = NULL, *enclosure_url = NULL;

    memset(index.first, 0, sizeof(index.first));
    index.n = 0;
    for (xmlAttr *attr = item->properties; attr != NULL; attr = attr->next)
        if (attr->ns != NULL)
            return Py_NewRef(FALLBACK); /* xml:base, rdf:about */
    for (xmlNode *child = item->children; child != NULL; child = child->next) {
        if (child->type == XML_TEXT_NODE || child->type == XML_CDATA_SECTION_NODE)
            continue;
        if (child->type != XML_ELEMENT_NODE || index.n == MAX_CHILDREN)
            return Py_NewRef(FALLBACK);
        int slot = slot_of(reader, child);
        if (slot == -100)
            return NULL;
        if (slot == SLOT_FALLBACK)
            return Py_NewRef(FALLBACK);
        if (slot == SLOT_IGNORE || slot == K_SOURCE)
            continue;
        index.kids[index.n] = child;
        index.kslot[index.n] = (signed char)slot;
        index.n++;
        if (index.first[slot] == NULL)
            index.first[slot] = child;
    }
    xmlNode **first = index.first;

    episode = make(T_EPISODE);
    if (episode == NULL)
        return NULL;
    tags = get_field(episode, T_EPISODE, N_tags);
    if (tags == NULL)
        goto error;

    /* parse_common.apply_episode_extensions */
    NEW(subtitle, text_of(ctx, first[K_IT_SUBTITLE]));
    if (!PyUnicode_GET_LENGTH(subtitle))
        NEW(subtitle, text_of(ctx, first[K_IT_SUMMARY]));
    if (first[K_IT_AUTHOR] != NULL)
        TRY(put(episode, T_EPISODE, N_author, text_of(ctx, first[K_IT_AUTHOR])));
    if (first[K_IT_DURATION] != NULL) {
        NEW(text, text_of(ctx, first[K_IT_DURATION]));
        TRY(put(episode, T_EPISODE, N_duration, parse_duration(text)));
    }
    if (first[K_IT_IMAGE] != NULL) {
        Py_XDECREF(value);
        value = attribute(ctx, first[K_IT_IMAGE], "href");
        if (value == NULL && FAILED())
            goto error;
        if (value == NULL || !PyUnicode_GET_LENGTH(value)) {
            Py_XDECREF(value);
            value = text_of(ctx, first[K_IT_IMAGE]);
            if (value == NULL)
                goto error;
        }
        NEW(image_url, resolve_url(value, base));
    } else {
        image_url = Py_NewRef(s_empty);
    }
    if (first[K_IT_EXPLICIT] != NULL) {
        NEW(text, text_of(ctx, first[K_IT_EXPLICIT]));
        NEW(explicit, parse_bool(text));
    } else {
        explicit = Py_NewRef(Py_None);
    }
    if (first[K_IT_SEASON] != NULL) {
        NEW(text, text_of(ctx, first[K_IT_SEASON]));
        TRY(put(episode, T_EPISODE, N_season, parse_int(text)));
    }
    if (first[K_IT_EPISODE] != NULL) {
        NEW(text, text_of(ctx, first[K_IT_EPISODE]));
        TRY(put(episode, T_EPISODE, N_episode_number, parse_int(text)));
    }
    if (first[K_IT_EPISODE_TYPE] != NULL) {
        NEW(text, text_of(ctx, first[K_IT_EPISODE_TYPE]));
        NEW(value, lower(text));
        int known = PyUnicode_CompareWithASCIIString(value, "full") == 0 ||
                    PyUnicode_CompareWithASCIIString(value, "trailer") == 0 ||
                    PyUnicode_CompareWithASCIIString(value, "bonus") == 0;
        TRY(put_ref(episode, T_EPISODE, N_episode_type, known ? value : s_empty));
    }
    if (first[K_IT_BLOCK] != NULL) {
        NEW(text, text_of(ctx, first[K_IT_BLOCK]));
        TRY(put(episode, T_EPISODE, N_block, parse_bool(text)));
    }
    if (first[K_IT_KEYWORDS] != NULL)
        TRY(put(episode, T_EPISODE, N_keywords, keywords(ctx, first[K_IT_KEYWORDS])));
    TRY(put_ref(episode, T_EPISODE, N_subtitle, subtitle));
    TRY(put_ref(episode, T_EPISODE, N_explicit, explicit));
    TRY(put_ref(episode, T_EPISODE, N_image_url, image_url));

    /* p20_tags.apply_item_tags */
    if (first[K_PERSON] != NULL)
        TRY(put(tags, T_TAGS, N_persons, people(ctx, &index, base)));
    if (first[K_FUNDING] != NULL)
        TRY(put(tags, T_TAGS, N_funding, funding(ctx, &index, base)));
    if (first[K_P_SEASON] != NULL) {
        xmlNode *season = first[K_P_SEASON];
        Py_XDECREF(value);
        value = attribute(ctx, season, "name");
        if (value == NULL && FAILED())
            goto error;
        if (value != NULL && PyUnicode_GET_LENGTH(value))
            TRY(put(tags, T_TAGS, N_season_name, fold(value, 200)));
        NEW(list, get_field(episode, T_EPISODE, N_season));
        if (list == Py_None) {
            NEW(text, text_of(ctx, season));
            TRY(put(episode, T_EPISODE, N_season, parse_int(text)));
        }
    }
    if (first[K_P_EPISODE] != NULL) {
        xmlNode *number = first[K_P_EPISODE];
        NEW(text, text_of(ctx, number));
        NEW(value, fold(text, 20));
        TRY(put_ref(tags, T_TAGS, N_episode_number, value));
        Py_XDECREF(text);
        text = attribute(ctx, number, "display");
        if (text == NULL && FAILED())
            goto error;
        if (text != NULL && PyUnicode_GET_LENGTH(text))
            TRY(put(tags, T_TAGS, N_episode_display, fold(text, 200)));
        NEW(list, get_field(episode, T_EPISODE, N_episode_number));
        if (list == Py_None)
            TRY(put(episode, T_EPISODE, N_episode_number, parse_int(value)));
    }
    if (first[K_LOCATION] != NULL)
        TRY(put(tags, T_TAGS, N_location, location(ctx, first[K_LOCATION])));
    if (first[K_LICENSE] != NULL)
        TRY(put(tags, T_TAGS, N_license, license_of(ctx, first[K_LICENSE], base)));
    if (first[K_ALTERNATE] != NULL) {
        NEW(list, get_field(tags, T_TAGS, N_alternate_enclosures));
        int seen = 0;
        for (int i = 0; i < index.n && seen < 10; i++) {
            if (index.kslot[i] != K_ALTERNATE)
                continue;
            seen++;
            NEW(value, alternate_enclosure(ctx, index.kids[i], base));
            if (value != Py_None)
                TRY(PyList_Append(list, value));
        }
    }
    if (first[K_SOUNDBITE] != NULL) {
        NEW(list, get_field(tags, T_TAGS, N_soundbites));
        int seen = 0;
        for (int i = 0; i < index.n && seen < 20; i++) {
            if (index.kslot[i] != K_SOUNDBITE)
                continue;
            seen++;
            xmlNode *node = index.kids[i];
            PyObject *start, *duration;
            Py_XDECREF(value);
            value = attribute(ctx, node, "startTime");
            if (value == NULL && FAILED())
                goto error;
            start = seconds_of(value);
            if (start == NULL)
                goto error;
            Py_XDECREF(value);
            value = attribute(ctx, node, "duration");
            if (value == NULL && FAILED()) {
                Py_DECREF(start);
                goto error;
            }
            duration = seconds_of(value);
            if (duration == NULL) {
                Py_DECREF(start);
                goto error;
            }
            int truth = duration == Py_None ? 0 : PyObject_IsTrue(duration);
            if (start != Py_None && truth == 1) {
                PyObject *bite = make(T_SOUNDBITE);
                int failed = bite == NULL || put_ref(bite, T_SOUNDBITE, N_start, start) < 0 ||
                             put_ref(bite, T_SOUNDBITE, N_duration, duration) < 0;
                Py_DECREF(start);
                Py_DECREF(duration);
                if (!failed) {
                    PyObject *t = text_of(ctx, node);
                    failed = put(bite, T_SOUNDBITE, N_title, t ? fold(t, 200) : NULL) < 0;
                    Py_XDECREF(t);
                }
                failed = failed || PyList_Append(list, bite) < 0;
                Py_XDECREF(bite);
                if (failed)
                    goto error;
            } else {
                Py_DECREF(start);
                Py_DECREF(duration);
            }
        }
    }

    /* rss._read_item */
    xmlNode *guid = first[K_GUID];
    NEW(guid_text, text_of(ctx, guid));
    TRY(put_ref(episode, T_EPISODE, N_guid, guid_text));
    NEW(title, text_of(ctx, first[K_TITLE]));
    TRY(put_ref(episode, T_EPISODE, N_title, title));
    /* rss._item_link */
    NEW(text, text_of(ctx, first[K_LINK]));
    NEW(link, resolve_url(text, base));
    if (!PyUnicode_GET_LENGTH(link) && guid != NULL) {
        Py_XDECREF(value);
        value = attribute(ctx, guid, "isPermaLink");
        if (value == NULL && FAILED())
            goto error;
        int permalink = 1;
        if (value != NULL) {
            PyObject *word = stripped_lower(Py_NewRef(value), -1);
            if (word == NULL)
                goto error;
            permalink = PyUnicode_CompareWithASCIIString(word, "false") != 0;
            Py_DECREF(word);
        }
        if (permalink && starts_web(guid_text))
            NEW(link, Py_NewRef(guid_text));
    }
    TRY(put_ref(episode, T_EPISODE, N_link, link));
    {
        static const int dates[] = {K_PUBDATE, K_DCDATE, K_ATOM_PUBLISHED, K_ATOM_UPDATED};
        for (int i = 0; i < 4; i++) {
            NEW(text, text_of(ctx, first[dates[i]]));
            NEW(value, date_of(text));
            if (value != Py_None)
                break;
        }
        TRY(put_ref(episode, T_EPISODE, N_published, value));
    }
    {
        PyObject *content = html_of(ctx, first[K_CONTENT]);
        PyObject *description = content ? html_of(ctx, first[K_DESCRIPTION]) : NULL;
        PyObject *summary = description ? html_of(ctx, first[K_IT_SUMMARY]) : NULL;
        if (summary == NULL) {
            Py_XDECREF(content);
            Py_XDECREF(description);
            goto error;
        }
        PyObject *longest = content;
        if (PyUnicode_GET_LENGTH(description) > PyUnicode_GET_LENGTH(longest))
            longest = description;
        if (PyUnicode_GET_LENGTH(summary) > PyUnicode_GET_LENGTH(longest))
            longest = summary;
        int failed = put_ref(episode, T_EPISODE, N_description_html, longest) < 0;
        Py_DECREF(content);
        Py_DECREF(description);
        Py_DECREF(summary);
        if (failed)
            goto error;
    }
    NEW(value, get_field(episode, T_EPISODE, N_author));
    if (!PyObject_IsTrue(value)) {
        NEW(text, text_of(ctx, first[K_DC_CREATOR]));
        if (!PyUnicode_GET_LENGTH(text))
            NEW(text, text_of(ctx, first[K_AUTHOR]));
        TRY(put_ref(episode, T_EPISODE, N_author, text));
    }
    /* rss._item_enclosure and parse_common.set_enclosure */
    enclosure_url = Py_NewRef(s_empty);
    for (int i = 0; i < index.n; i++) {
        if (index.kslot[i] != K_ENCLOSURE)
            continue;
        xmlNode *node = index.kids[i];
        Py_XDECREF(value);
        value = attribute(ctx, node, "url");
        if (value == NULL && FAILED())
            goto error;
        if (value == NULL)
            continue;
        NEW(text, strip(Py_NewRef(value)));
        if (!PyUnicode_GET_LENGTH(text))
            continue;
        NEW(enclosure_url, resolve_url(value, base));
        TRY(put_ref(episode, T_EPISODE, N_enclosure_url, enclosure_url));
        Py_XDECREF(value);
        value = attribute(ctx, node, "type");
        if (value == NULL && FAILED())
            goto error;
        TRY(put(episode, T_EPISODE, N_enclosure_type,
                value != NULL ? strip(Py_NewRef(value)) : Py_NewRef(s_empty)));
        Py_XDECREF(value);
        value = attribute(ctx, node, "length");
        if (value == NULL && FAILED())
            goto error;
        TRY(put(episode, T_EPISODE, N_enclosure_length, parse_int(value)));
        break;
    }
    TRY(media_tags(ctx, &index, episode, base));

    if (ctx->bail) {
        Py_SETREF(episode, Py_NewRef(FALLBACK));
    } else if (!PyUnicode_GET_LENGTH(title) && !PyUnicode_GET_LENGTH(enclosure_url) &&
               !PyUnicode_GET_LENGTH(guid_text)) {
        Py_SETREF(episode, Py_NewRef(Py_None));
    }
    goto done;
error:
    Py_CLEAR(episode);
done:
    Py_XDECREF(tags);
    Py_XDECREF(text);
    Py_XDECREF(value);
    Py_XDECREF(list);
    Py_XDECREF(subtitle);
    Py_XDECREF(image_url);
    Py_XDECREF(explicit);
    Py_XDECREF(guid_text);
    Py_XDECREF(title);
    Py_XDECREF(link);
    Py_XDECREF(enclosure_url);
    return episode;
}

/* ---------------------------------------------------------------------------------- */
/* Python glue.                                                                       */

static PyObject *
Reader_read(Reader *self, PyObject *const *args, Py_ssize_t nargs)
{
    if (!configured) {
        PyErr_SetString(PyExc_RuntimeError, "_fastitems.configure() was not called");
        return NULL;
    }
    if (nargs != 2 || !PyUnicode_Check(args[1])) {
        PyErr_SetString(PyExc_TypeError, "read(item, base: str)");
        return NULL;
    }
    if (!PyObject_TypeCheck(args[0], (PyTypeObject *)element_type)) {
        PyErr_SetString(PyExc_TypeError, "read() needs an lxml element");
        return NULL;
    }
    xmlNode *node = ((LxmlElement *)args[0])->_c_node;
    PyObject *document = (PyObject *)((LxmlElement *)args[0])->_doc;
    if (node == NULL || node->type != XML_ELEMENT_NODE || document == NULL)
        return Py_NewRef(FALLBACK);
    if (document != self->document) {
        /* The cache is keyed by the document's name pointers: a new one for another. */
        memset(self->cache, 0, sizeof(self->cache));
        self->used = 0;
        Py_XSETREF(self->document, Py_NewRef(document));
    }
    return read_item(self, node, args[1]);
}

static PyMethodDef Reader_methods[] = {
    {"read", (PyCFunction)(void (*)(void))Reader_read, METH_FASTCALL,
     "read(item, base) -> ParsedEpisode, None (not an episode) or FALLBACK"},

    {NULL, NULL, 0, NULL},
};

static PyObject *
Reader_new(PyTypeObject *type, PyObject *args, PyObject *kwargs)
{
    Reader *self = (Reader *)type->tp_alloc(type, 0);
    if (self != NULL) {
        memset(self->cache, 0, sizeof(self->cache));
        self->used = 0;
        self->document = NULL;
    }
    return (PyObject *)self;
}

static void
Reader_dealloc(Reader *self)
{
    Py_XDECREF(self->document);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static PyTypeObject ReaderType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "airwaves.crawler._fastitems.Reader",
    .tp_doc = "Reads RSS items; its tag-name cache is of the document read last.",
    .tp_basicsize = sizeof(Reader),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_new = Reader_new,
    .tp_dealloc = (destructor)Reader_dealloc,
    .tp_methods = Reader_methods,
};

static PyObject *slot_names(PyObject *module, PyObject *unused);

static PyObject *
configure(PyObject *module, PyObject *env)
{
    if (!PyDict_Check(env)) {
        PyErr_SetString(PyExc_TypeError, "configure(env: dict)");
        return NULL;
    }
    static const char *keys[] = {
        "names_of", "ignored", "element_type", "parse_date", "parse_duration",
        "resolve_url", "safe_url", "parse_int", NULL,
    };
    PyObject **targets[] = {
        &names_of, &ignored_keys, &element_type, &fn_parse_date, &fn_parse_duration,
        &fn_resolve_url, &fn_safe_url, &fn_parse_int,
    };
    if (configured) {
        PyErr_SetString(PyExc_RuntimeError, "configure() was called already");
        return NULL;
    }
    for (int i = 0; keys[i]; i++) {
        PyObject *value = PyDict_GetItemString(env, keys[i]);
        if (value == NULL) {
            PyErr_Format(PyExc_KeyError, "configure(): %s is missing", keys[i]);
            return NULL;
        }
        Py_XSETREF(*targets[i], Py_NewRef(value));
    }
    if (!PyAnySet_Check(ignored_keys) || !PyType_Check(element_type)) {
        PyErr_SetString(PyExc_TypeError, "configure(): ignored or element_type");
        return NULL;
    }
    Py_XSETREF(slots_dict, slot_names(module, NULL));
    if (slots_dict == NULL)
        return NULL;
    PyObject *list = PyDict_GetItemString(env, "templates");
    if (list == NULL) {
        PyErr_SetString(PyExc_KeyError, "configure(): templates is missing");
        return NULL;
    }
    if (load_templates(list) < 0 || load_field_table() < 0)
        return NULL;
    configured = 1;
    Py_RETURN_NONE;
}

/* The keys, by slot: rss.py's index keys of the tags this reader reads. */
static const char *slot_keys[N_KEYS] = {
    "guid", "title", "link", "pubDate", "dc:date", "atom:published", "atom:updated",
    "description", "content:encoded", "itunes:summary", "itunes:subtitle", "dc:creator",
    "author", "enclosure", "itunes:author", "itunes:duration", "itunes:image",
    "itunes:explicit", "itunes:season", "itunes:episode", "itunes:episodeType",
    "itunes:block", "itunes:keywords", "podcast:transcript", "podcast:chapters",
    "podcast:person", "podcast:season", "podcast:episode", "podcast:soundbite",
    "podcast:location", "podcast:alternateEnclosure", "podcast:funding",
    "podcast:license", "podcast:source",
};

static PyObject *
slot_names(PyObject *module, PyObject *unused)
{
    PyObject *result = PyDict_New();
    if (result == NULL)
        return NULL;
    for (int i = 0; i < N_KEYS; i++) {
        PyObject *number = PyLong_FromLong(i);
        if (number == NULL || PyDict_SetItemString(result, slot_keys[i], number) < 0) {
            Py_XDECREF(number);
            Py_DECREF(result);
            return NULL;
        }
        Py_DECREF(number);
    }
    return result;
}

/* bytes.__contains__ with the C library's memmem: the feed loader looks for "<!ENTITY"
 * in every document, and bytes' own search costs about an instruction a byte in a
 * document full of "<". */
static PyObject *
contains(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    Py_buffer haystack, needle;
    if (nargs != 2) {
        PyErr_SetString(PyExc_TypeError, "contains(data, needle)");
        return NULL;
    }
    if (PyObject_GetBuffer(args[0], &haystack, PyBUF_SIMPLE) < 0)
        return NULL;
    if (PyObject_GetBuffer(args[1], &needle, PyBUF_SIMPLE) < 0) {
        PyBuffer_Release(&haystack);
        return NULL;
    }
    int found = needle.len == 0 ||
                memmem(haystack.buf, (size_t)haystack.len, needle.buf, (size_t)needle.len) != NULL;
    PyBuffer_Release(&haystack);
    PyBuffer_Release(&needle);
    return PyBool_FromLong(found);
}

static PyMethodDef module_methods[] = {
    {"contains", (PyCFunction)(void (*)(void))contains, METH_FASTCALL,
     "contains(data, needle): needle in data, for bytes"},
    {"configure", configure, METH_O, "configure(env): the Python side's classes and rules"},
    {"slot_names", slot_names, METH_NOARGS, "The keys this reader reads, by slot number"},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module_def = {
    PyModuleDef_HEAD_INIT, "_fastitems", "RSS items read in C (see crawler/rss.py).", -1,
    module_methods,
};

PyMODINIT_FUNC
PyInit__fastitems(void)
{
    PyObject *module;
    PyDateTime_IMPORT;
    if (PyDateTimeAPI == NULL || PyType_Ready(&ReaderType) < 0)
        return NULL;
    module = PyModule_Create(&module_def);
    if (module == NULL)
        return NULL;
#define INTERN(n) \
    if ((a_##n = PyUnicode_InternFromString(#n)) == NULL) \
        return NULL;
    NAMES(INTERN)
#undef INTERN
    if ((s_empty = PyUnicode_FromString("")) == NULL ||
        (s_space = PyUnicode_FromString(" ")) == NULL ||
        (s_host = PyUnicode_FromString("host")) == NULL ||
        (s_cast = PyUnicode_FromString("cast")) == NULL ||
        (s_semicolon = PyUnicode_FromString(";")) == NULL ||
        (s_comma = PyUnicode_FromString(",")) == NULL ||
        (s_http = PyUnicode_FromString("http://")) == NULL ||
        (s_https = PyUnicode_FromString("https://")) == NULL)
        return NULL;
    FALLBACK = PyObject_CallNoArgs((PyObject *)&PyBaseObject_Type);
#ifndef SOURCE_DIGEST
#define SOURCE_DIGEST ""
#endif
    if (PyModule_AddStringConstant(module, "SOURCE_DIGEST", SOURCE_DIGEST) < 0 ||
        FALLBACK == NULL || PyModule_AddObjectRef(module, "FALLBACK", FALLBACK) < 0 ||
        PyModule_AddObjectRef(module, "Reader", (PyObject *)&ReaderType) < 0) {
        Py_DECREF(module);
        return NULL;
    }
    return module;
}

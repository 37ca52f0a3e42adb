"""Templates and data rendered by both handlebars.js and openses, which must agree.

Each feature SES's guide names (nested paths, ``#each`` over arrays and objects,
``#if``/``else``/``#unless``, ``#with``, inline partials) and the edge cases users
hit (unicode, HTML in data, deep nesting, missing keys, numbers, whitespace
control, standalone lines) has several cases. Cases whose handlebars.js render
throws must make openses raise too.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Case:
    name: str
    template: str
    data: Any


def _cases() -> list[Case]:
    cases: list[Case] = []

    def add(name: str, template: str, *datas: Any) -> None:
        for index, data in enumerate(datas or ({},)):
            cases.append(Case(f"{name}#{index}" if len(datas) > 1 else name, template, data))

    # --- substitution, nested paths, missing keys ---
    add("plain text", "Hello, world!")
    add("empty template", "")
    add("one variable", "Hello {{name}}!", {"name": "Alejandro"}, {}, {"name": ""})
    add("spaces inside braces", "{{ name }}|{{  name  }}", {"name": "x"})
    add("nested path", "Hello {{contact.firstName}}!", {"contact": {"firstName": "Anaya"}})
    add("nested path slash", "{{contact/firstName}}", {"contact": {"firstName": "Anaya"}})
    add(
        "deep nesting",
        "{{a.b.c.d.e.f.g.h}}",
        {"a": {"b": {"c": {"d": {"e": {"f": {"g": {"h": 8}}}}}}}},
    )
    add("missing top-level key", "[{{missing}}]", {"other": 1})
    add("missing nested key", "[{{a.missing}}][{{missing.b.c}}]", {"a": {}})
    add("through a non-object", "[{{a.b}}][{{n.b}}][{{t.b}}]", {"a": "text", "n": 5, "t": True})
    add("null value", "[{{x}}][{{x.y}}]", {"x": None})
    add(
        "literal segment",
        "{{[first name]}} {{a.[b c].[d]}}",
        {"first name": "F", "a": {"b c": {"d": "D"}}},
    )
    add(
        "array index",
        "{{items.[0]}} {{items.[2].name}} {{items.length}}",
        {"items": ["a", "b", {"name": "c"}]},
    )
    add("array index out of range", "[{{items.[5]}}][{{items.[-1]}}]", {"items": [1]})
    add("string length and index", "{{s.length}} {{s.[0]}}", {"s": "héllo"}, {"s": "😀x"})
    add("this and dot", "{{this.a}} {{./a}} {{.}}", {"a": 1})
    add("root scalar", "[{{this}}]", "just a string", 42, None, [1, 2])
    add("prototype names are not properties", "[{{constructor}}][{{toString}}][{{__proto__}}]", {})
    add(
        "literal-looking names",
        '[{{"a b"}}][{{true}}][{{1}}]',
        {"a b": "s", "true": "t", "1": "one"},
    )

    # --- values as JavaScript shows them ---
    add("booleans", "{{t}} {{f}}", {"t": True, "f": False})
    add("integers", "{{a}} {{b}} {{c}}", {"a": 0, "b": -17, "c": 123456789012})
    add("big integers", "{{a}} {{b}}", {"a": 9007199254740993, "b": 123456789012345678901234567890})
    add("floats", "{{a}} {{b}} {{c}} {{d}}", {"a": 1.0, "b": 0.1, "c": 2.5e-7, "d": 1e21})
    add(
        "more floats", "{{a}} {{b}} {{c}} {{d}}", {"a": 1.5e300, "b": -0.0, "c": 123.456, "d": 1e-6}
    )
    add(
        "arrays as text", "{{a}}|{{b}}|{{c}}", {"a": [1, 2, 3], "b": [], "c": [[1, [2]], None, "x"]}
    )
    add("objects as text", "{{o}}|{{a}}", {"o": {"k": 1}, "a": [{"k": 1}]})
    # handlebars.js joins output with JavaScript "+": adjacent raw numbers add up.
    add("adjacent raw numbers", "{{{a}}}{{{b}}}|{{{a}}}{{{t}}}", {"a": 4, "b": 4.5, "t": True})
    add("adjacent raw numbers in a block", "{{#if x}}{{{n}}}{{{n}}}{{/if}}!", {"x": 1, "n": 2})

    # --- escaping ---
    add("html in data", "<p>{{html}}</p>", {"html": "<b>bold</b> & \"quotes\" 'single' `tick` a=b"})
    add("triple stash", "{{{html}}}", {"html": "<script>alert('x')</script>"})
    add("ampersand unescaped", "{{&html}} {{~&html~}}", {"html": "<i>&</i>"})
    add("escaped in attribute", "<a href='{{url}}'>x</a>", {"url": "https://e.com/?a=1&b='2'"})
    add("escaped array", "{{list}}", {"list": ["<a>", "&"]})
    add("backslash escaped mustache", "\\{{name}} {{name}}", {"name": "N"})
    add("double backslash", "\\\\{{name}}", {"name": "N"})
    add("escaped then real", "a\\{{x}}b{{x}}c\\{{y}}", {"x": 1, "y": 2})

    # --- unicode ---
    add("unicode data", "Olá {{name}} — {{city}}", {"name": "José Ñúñez", "city": "東京"})
    add("emoji and astral", "{{e}} {{e.length}}", {"e": "👍🏽🎉"})
    add("unicode keys", "{{名前}} {{ключ}}", {"名前": "太郎", "ключ": "значение"})
    add("unicode in template", "Ünïcødé ✓ {{x}} ✗", {"x": "✓"})
    add("right-to-left", "{{greeting}}", {"greeting": "مرحبا بالعالم"})

    # --- if / else / unless ---
    add(
        "if else",
        "{{#if x}}yes{{else}}no{{/if}}",
        {"x": True}, {"x": False}, {}, {"x": 0}, {"x": ""}, {"x": []}, {"x": {}}, {"x": "0"},
        {"x": [0]}, {"x": None},
    )  # fmt: skip
    add("if include zero", "{{#if x includeZero=true}}yes{{else}}no{{/if}}", {"x": 0}, {"x": None})
    add("unless", "{{#unless x}}none{{else}}some{{/unless}}", {"x": []}, {"x": [1]})
    add(
        "else if chain",
        "{{#if a}}A{{else if b}}B{{else if c}}C{{else}}D{{/if}}",
        {"a": 1},
        {"b": 1},
        {"c": 1},
        {},
    )
    add("inverse section", "{{^x}}empty{{/x}}", {}, {"x": []}, {"x": [1]}, {"x": False}, {"x": 0})
    add("caret else", "{{#if x}}y{{^}}n{{/if}}", {"x": False})
    add(
        "nested ifs",
        "{{#if a}}{{#if b}}ab{{else}}a{{/if}}{{else}}-{{/if}}",
        {"a": 1, "b": 1},
        {"a": 1},
        {},
    )

    # --- each ---
    add("each array", "{{#each items}}<li>{{this}}</li>{{/each}}", {"items": ["a", "b", "c"]})
    add(
        "each array of objects",
        "{{#each subscription}}- {{interest}}\n{{/each}}",
        {"subscription": [{"interest": "Sports"}, {"interest": "Travel"}]},
    )
    add(
        "each data variables",
        "{{#each xs}}{{@index}}:{{@key}}:{{@first}}:{{@last}} {{/each}}",
        {"xs": ["a", "b", "c"]},
    )
    add(
        "each object",
        "{{#each o}}{{@key}}={{this}}({{@index}},{{@first}},{{@last}});{{/each}}",
        {"o": {"b": 1, "a": 2}},
    )
    add(
        "each object key order",
        "{{#each o}}{{@key}},{{/each}}",
        {"o": {"b": 1, "10": 2, "2": 3, "a": 4, "01": 5, "-1": 6}},
    )
    add(
        "each empty with else",
        "{{#each xs}}x{{else}}empty{{/each}}",
        {"xs": []},
        {},
        {"xs": {}},
        {"xs": "str"},
        {"xs": 5},
    )
    add(
        "each nested",
        "{{#each rows}}[{{#each this}}{{this}}{{/each}}]{{/each}}",
        {"rows": [[1, 2], [], [3]]},
    )
    add(
        "each parent index",
        "{{#each a}}{{#each b}}{{@../index}}.{{@index}} {{/each}}{{/each}}",
        {"a": [{"b": [1, 2]}, {"b": [3]}]},
    )
    add(
        "each parent context",
        "{{#each items}}{{name}} of {{../owner}}; {{/each}}",
        {"owner": "Ann", "items": [{"name": "x"}, {"name": "y"}]},
    )
    add(
        "each root",
        "{{#each items}}{{@root.title}}:{{this}} {{/each}}",
        {"title": "T", "items": [1, 2]},
    )
    add(
        "each block params",
        "{{#each items as |item idx|}}{{idx}}={{item.n}} {{/each}}",
        {"items": [{"n": "a"}, {"n": "b"}]},
    )
    add(
        "each object block params",
        "{{#each o as |v k|}}{{k}}:{{v}} {{/each}}",
        {"o": {"x": 1, "y": 2}},
    )
    add(
        "nested block params",
        "{{#each a as |x|}}{{#each b as |y|}}{{x}}{{y}} {{/each}}{{/each}}",
        {"a": [1, 2], "b": ["p", "q"]},
    )
    add("each with nulls", "{{#each xs}}[{{this}}]{{/each}}", {"xs": [None, 0, False, ""]})
    add(
        "each this in if",
        "{{#each xs}}{{#if this}}{{this}}{{else}}-{{/if}}{{/each}}",
        {"xs": [1, 0, "a", ""]},
    )
    add("section over array", "{{#xs}}<{{.}}>{{/xs}}", {"xs": [1, 2]}, {"xs": []})
    add(
        "section over object",
        "{{#person}}{{name}} ({{age}}){{/person}}",
        {"person": {"name": "N", "age": 3}},
    )
    add("section over scalar", "{{#x}}[{{.}}]{{/x}}", {"x": "s"}, {"x": 0}, {"x": True}, {"x": ""})

    # --- with, lookup, subexpressions ---
    add(
        "with",
        "{{#with contact}}{{firstName}} {{lastName}}{{/with}}",
        {"contact": {"firstName": "A", "lastName": "B"}},
    )
    add("with else", "{{#with x}}[{{.}}]{{else}}none{{/with}}", {"x": 0}, {"x": ""}, {}, {"x": []})
    add("with parent", "{{#with a}}{{b}}-{{../c}}{{/with}}", {"a": {"b": 1}, "c": 2})
    add("with block param", "{{#with a as |x|}}{{x.b}}{{/with}}", {"a": {"b": "B"}})
    add(
        "lookup",
        '{{lookup o "k"}} {{lookup xs 1}} {{lookup o key}}',
        {"o": {"k": "v", "z": "Z"}, "xs": [1, 2], "key": "z"},
    )
    add("lookup falsy object", '[{{lookup x "y"}}]', {"x": 0}, {"x": ""}, {})
    add(
        "lookup in each",
        "{{#each keys}}{{lookup ../o this}},{{/each}}",
        {"keys": ["a", "b"], "o": {"a": 1, "b": 2}},
    )
    add("subexpression", '{{#if (lookup o "k")}}has{{else}}no{{/if}}', {"o": {"k": 1}}, {"o": {}})
    add("nested subexpressions", '{{lookup (lookup o "a") "b"}}', {"o": {"a": {"b": "deep"}}})
    add("with subexpression", '{{#with (lookup o "a")}}{{b}}{{/with}}', {"o": {"a": {"b": "B"}}})
    add("log prints nothing", '{{log "message" x}}[{{x}}]', {"x": 1})

    # --- inline partials ---
    full_name = (
        '{{#*inline "fullName"}}{{firstName}}{{#if lastName}} {{lastName}}{{/if}}{{/inline}}'
    )
    add(
        "guide inline partial",
        full_name + "\n<h1>Hello {{> fullName}}!</h1>"
        "<ul>{{#each friends}}<li>{{> fullName}}</li>{{/each}}</ul>",
        {
            "firstName": "Ann",
            "lastName": "Lee",
            "friends": [{"firstName": "Bo"}, {"firstName": "Cy", "lastName": "Do"}],
        },
    )
    add(
        "partial with context",
        '{{#*inline "p"}}<{{n}}>{{/inline}}{{> p a}}{{> p b}}',
        {"a": {"n": 1}, "b": {"n": 2}},
    )
    add(
        "partial with hash",
        '{{#*inline "p"}}{{greeting}}, {{name}}{{/inline}}{{> p greeting="Hi"}}',
        {"name": "N"},
    )
    add("partial quoted name", '{{#*inline "my partial"}}X{{/inline}}{{> "my partial"}}')
    add("partial defined after use", '{{> later}}{{#*inline "later"}}L{{/inline}}')
    add(
        "partial inside block scope",
        '{{#if x}}{{#*inline "p"}}in{{/inline}}{{> p}}{{/if}}',
        {"x": 1},
    )
    add("partial redefined", '{{#*inline "p"}}1{{/inline}}{{#*inline "p"}}2{{/inline}}{{> p}}')
    add(
        "partial calling partial",
        '{{#*inline "a"}}[{{> b}}]{{/inline}}{{#*inline "b"}}b{{/inline}}{{> a}}',
    )
    add(
        "recursive partial",
        '{{#*inline "t"}}{{n}}{{#each kids}}({{> t}}){{/each}}{{/inline}}{{> t}}',
        {"n": 1, "kids": [{"n": 2, "kids": [{"n": 3}]}, {"n": 4}]},
    )
    add(
        "standalone partial indent",
        '{{#*inline "p"}}line1\nline2\n{{/inline}}\nbegin\n  {{> p}}\nend',
    )
    add("partial block fallback", "{{#> missing}}fallback {{x}}{{/missing}}", {"x": 1})
    add(
        "partial block content",
        '{{#*inline "w"}}<{{> @partial-block}}>{{/inline}}{{#> w}}inner{{/w}}',
    )
    add("missing partial throws", "{{> nowhere}}")
    add(
        "dynamic partial name",
        '{{#*inline "p1"}}one{{/inline}}{{> (lookup . "which")}}',
        {"which": "p1"},
    )

    # --- whitespace control and standalone lines ---
    add("tilde both sides", "a  {{~x~}}  b", {"x": 1})
    add(
        "tilde block",
        "<ul>\n  {{~#each xs~}}\n  <li>{{this}}</li>\n  {{~/each~}}\n</ul>",
        {"xs": [1, 2]},
    )
    add("tilde else", "{{#if x}}\n  a  \n{{~else~}}\n  b  \n{{/if}}", {"x": 1}, {})
    add(
        "standalone block lines",
        "<ul>\n{{#each xs}}\n  <li>{{this}}</li>\n{{/each}}\n</ul>\n",
        {"xs": ["a", "b"]},
    )
    add("standalone if else lines", "A\n{{#if x}}\nyes\n{{else}}\nno\n{{/if}}\nB", {"x": 1}, {})
    add("standalone with indentation", "  {{#if x}}\n    in\n  {{/if}}\nout", {"x": 1})
    add("standalone crlf", "a\r\n{{#if x}}\r\nb\r\n{{/if}}\r\nc", {"x": 1})
    add("not standalone with content", "a {{#if x}}b{{/if}} c\n", {"x": 1})
    add("standalone comment", "a\n{{! a comment }}\nb")
    add("long comment", "a{{!-- has }} inside --}}b")
    add("comment then text", "{{!-- c --}}\nstart")
    add("standalone at start and end", "{{#if x}}\ninside\n{{/if}}", {"x": 1})
    add(
        "nested standalone",
        "{{#each a}}\n{{#each this}}\n{{.}}\n{{/each}}\n{{/each}}\n",
        {"a": [[1, 2], [3]]},
    )
    add("unicode whitespace strip", "a\u00a0\u3000{{~x~}}\u2028b", {"x": "X"})
    add("tabs and spaces", "\t{{#if x}}\t\n\tT\n\t{{/if}}\t\n", {"x": 1})
    add("inline partial standalone", '{{#*inline "p"}}\nP\n{{/inline}}\n{{> p}}{{> p}}')

    # --- guide examples, with realistic data ---
    preferences = (
        "<h1>Your Preferences</h1><p>Dear {{contact.firstName}},</p>{{#if subscription}}"
        "<ul>{{#each subscription}}<li>{{interest}}</li>{{/each}}</ul>"
        "<a href='https://www.example.com/preferences/i.aspx?id={{meta.userId}}'>"
        "Preference Center</a>"
        "{{else}}<p>Please update your subscription preferences.</p>{{/if}}"
    )
    interests = [{"interest": "Sports"}, {"interest": "Cooking"}]
    add(
        "guide preferences",
        preferences,
        {"meta": {"userId": "5180"}, "contact": {"firstName": "Anaya"}, "subscription": interests},
        {"meta": {"userId": "1981624758263"}, "contact": {"firstName": "Shirley"}},
    )
    add(
        "guide text part",
        "Your Preferences\n\nYou have indicated that you are interested in:\n"
        "{{#each subscription}}- {{interest}}\n{{/each}}\n"
        "https://www.example.com/preferences/i.aspx?id={{meta.userId}}",
        {"meta": {"userId": "1"}, "subscription": interests},
    )
    add(
        "guide subject",
        "Greetings, {{name}}!",
        {"name": "Alejandro", "favoriteanimal": "alligator"},
    )

    # --- templates handlebars.js refuses (openses must refuse too) ---
    add("unclosed block", "{{#if x}}never closed")
    add("mismatched close", "{{#if x}}a{{/each}}")
    add("unclosed mustache", "Hello {{name")
    add("missing helper with params", "{{shout name}}", {"name": "n"})
    add("if without argument", "{{#if}}x{{/if}}")
    add("each without argument", "{{#each}}x{{/each}}")
    add("invalid path", "{{foo/../bar}}")
    add("numeric segment needs brackets", "{{a.0}}", {"a": [1]})
    add("else outside block", "a{{else}}b")
    add("too many partial arguments", '{{#*inline "p"}}x{{/inline}}{{> p a b}}', {"a": 1, "b": 2})
    return cases


CASES: list[Case] = _cases()

using System.Text.Json.Nodes;
using QuantServe.Engine.Chat;

namespace QuantServe.Engine.Tests.Chat;

/// <summary>
/// The Jinja language subset, one construct at a time. Every expected string is what Python jinja2
/// 3.1 renders in transformers' environment (trim_blocks, lstrip_blocks, immutable sandbox, its tojson),
/// checked with tools/chat-template-reference/render_jinja2.py's environment when the case was written.
/// </summary>
public sealed class ChatTemplateLanguageTests
{
    private const string Variables = """
        {"xs": [3, 1, 2], "d": {"b": 2, "a": 1}, "people": [{"name": "Ann", "age": 30}, {"name": "bob", "age": 25}, {"name": "Cy", "age": 30}], "s": "  Hello World  ", "n": null, "f": 1.0, "u": "Zürich \"q\"\n\u0001"}
        """;

    internal static string Render(string source, string variablesJson = Variables)
    {
        var variables = JsonNode.Parse(variablesJson)!.AsObject().ToDictionary(e => e.Key, e => e.Value?.DeepClone());
        return ChatTemplate.Parse(source).Render(new ChatTemplateContext([]) { Extra = variables });
    }

    [Theory]
    [InlineData("{% if true %}\n  yes\n{% endif %}\nend", "  yes\nend")]
    [InlineData("  {% if true %}\nA\n  {% endif %}\nB", "A\nB")]
    [InlineData("a  {%- if true -%}  b  {%- endif -%}  c", "abc")]
    [InlineData("{{ 'a' }}\n{{ 'b' }}\n", "a\nb")]
    [InlineData("x {# c #}\ny\n  {# c2 #}\nz", "x y\nz")]
    [InlineData("  {#- c -#}  X", "X")]
    [InlineData("  {%+ if true %}x{% endif %}", "  x")]
    [InlineData("{% if true +%}\nx{% endif %}", "\nx")]
    [InlineData("{% raw %}{{ not }}{% endraw %}", "{{ not }}")]
    [InlineData("a\n{% raw %}\n{{ x }}\n{% endraw %}\nb", "a\n\n{{ x }}\nb")]
    [InlineData("{{ 'straße' | upper }}{{ 'straße'.upper() }}", "STRASSESTRASSE")]
    [InlineData("a\r\nb{% if true %}\r\nc{% endif %}", "a\nbc")]
    [InlineData("{{- '  x  ' -}}\n", "  x  ")]
    [InlineData("{% for x in xs %}{{ loop.index }}{{ loop.index0 }}{{ loop.first }}{{ loop.last }}{{ loop.length }}{{ loop.revindex }}{{ loop.revindex0 }},{% endfor %}", "10TrueFalse332,21FalseFalse321,32FalseTrue310,")]
    [InlineData("{% for x in [] %}a{% else %}empty{% endfor %}", "empty")]
    [InlineData("{% for x in xs if x > 1 %}{{ x }}/{{ loop.length }} {% endfor %}", "3/2 2/2 ")]
    [InlineData("{% for k, v in d.items() %}{{ k }}={{ v }};{% endfor %}", "b=2;a=1;")]
    [InlineData("{% for k, v in d | items %}{{ k }}={{ v }};{% endfor %}", "b=2;a=1;")]
    [InlineData("{% for k in d %}{{ k }}{% endfor %}", "ba")]
    [InlineData("{% for x in xs | sort %}{{ x }}{% endfor %}", "123")]
    [InlineData("{% for x in xs %}{% if x == 1 %}{% continue %}{% endif %}{% if x == 2 %}{% break %}{% endif %}{{ x }}{% endfor %}", "3")]
    [InlineData("{% for x in xs %}{{ loop.previtem }}>{{ loop.nextitem }} {% endfor %}", ">1 3>2 1> ")]
    [InlineData("{% for a in [1, 2] %}{% for b in 'xy' %}{{ a }}{{ b }}{{ loop.index }} {% endfor %}{% endfor %}", "1x1 1y2 2x1 2y2 ")]
    [InlineData("{% set x = 1 %}{% for i in [1, 2] %}{% set x = i %}{% endfor %}{{ x }}", "1")]
    [InlineData("{% set ns = namespace(x=1, y='a') %}{% for i in [1, 2] %}{% set ns.x = ns.x + i %}{% endfor %}{{ ns.x }}{{ ns.y }}", "4a")]
    [InlineData("{% if true %}{% set x = 5 %}{% endif %}{{ x }}", "5")]
    [InlineData("{% set a, b = 1, 2 %}{{ a }}{{ b }}", "12")]
    [InlineData("{% set v %}a{{ 1 }}{% endset %}[{{ v }}]", "[a1]")]
    [InlineData("{% set v | upper %}ab{% endset %}{{ v }}", "AB")]
    [InlineData("{% with a = 1 %}{{ a }}{% endwith %}[{{ a }}]", "1[]")]
    [InlineData("{% macro m(a, b='x') %}{{ a }}-{{ b }}{% endmacro %}{{ m(1) }} {{ m(2, b='y') }} {{ m(a=3) }} {{ m() }}", "1-x 2-y 3-x -x")]
    [InlineData("{% macro w(t) %}<{{ t }}:{{ caller() }}>{% endmacro %}{% call w('p') %}inner{% endcall %}", "<p:inner>")]
    [InlineData("{% macro r(n) %}{% if n > 0 %}{{ n }}{{ r(n - 1) }}{% endif %}{% endmacro %}{{ r(3) }}", "321")]
    [InlineData("{% filter upper %}abc{{ 'd' }}{% endfilter %}", "ABCD")]
    [InlineData("[{{ s | trim }}][{{ 'xxaxx' | trim('x') }}]", "[Hello World][a]")]
    [InlineData("{{ d | tojson }}|{{ people[0] | tojson(indent=2) }}|{{ {'b': 1, 'a': [1, 2.5, none, true, {}]} | tojson(sort_keys=true) }}", "{\"b\": 2, \"a\": 1}|{\n  \"name\": \"Ann\",\n  \"age\": 30\n}|{\"a\": [1, 2.5, null, true, {}], \"b\": 1}")]
    [InlineData("{{ u | tojson }}|{{ u | tojson(ensure_ascii=true) }}|{{ f | tojson }}|{{ [] | tojson(indent=4) }}", "\"Zürich \\\"q\\\"\\n\\u0001\"|\"Z\\u00fcrich \\\"q\\\"\\n\\u0001\"|1.0|[]")]
    [InlineData("{{ xs | length }}{{ 'héllo' | length }}{{ d | count }}", "352")]
    [InlineData("{{ 'hello wORLD-foo (bar' | title }}|{{ 'hELLO world' | capitalize }}|{{ 'ab' | upper }}{{ 'CD' | lower }}", "Hello World-Foo (Bar|Hello world|ABcd")]
    [InlineData("{{ 'aaa' | replace('a', 'b') }}{{ 'aaa' | replace('a', 'b', 2) }}", "bbbbba")]
    [InlineData("{{ xs | join(', ') }}|{{ people | join(',', attribute='name') }}|{{ xs | join }}", "3, 1, 2|Ann,bob,Cy|312")]
    [InlineData("{{ missing | default('dflt') }}|{{ '' | default('e', true) }}|{{ n | d('x') }}|{{ 0 | d('z', boolean=true) }}", "dflt|e|None|z")]
    [InlineData("{{ xs | first }}{{ xs | last }}{{ 'abc' | first }}{{ [] | first }}", "32a")]
    [InlineData("{{ 'abc' | list }}{{ d | list }}", "['a', 'b', 'c']['b', 'a']")]
    [InlineData("{{ n | string }}{{ 1.5 | string }}{{ true | string }}", "None1.5True")]
    [InlineData("{{ '42.7' | int }} {{ 'x' | int }} {{ 'x' | int(7) }} {{ 3.9 | int }} {{ '0x1A' | int(0, 16) }} {{ '12' | float }} {{ 'y' | float }}", "42 0 7 3 26 12.0 0.0")]
    [InlineData("{{ 2.5 | round }} {{ 3.5 | round }} {{ 2.567 | round(2) }} {{ 5 | round }} {{ 2.1 | round(0, 'ceil') }} {{ 2.9 | round(method='floor') }}", "2.0 4.0 2.57 5 3.0 2.0")]
    [InlineData("{{ people | selectattr('age', 'equalto', 30) | map(attribute='name') | join(',') }}|{{ people | rejectattr('age', '==', 30) | map(attribute='name') | list }}", "Ann,Cy|['bob']")]
    [InlineData("{{ people | selectattr('name') | list | length }}|{{ xs | select('odd') | list }}|{{ xs | reject('even') | list }}|{{ xs | map('string') | join('-') }}", "3|[3, 1]|[3, 1]|3-1-2")]
    [InlineData("{{ [1, 2, 1, 'a', 'A'] | unique | list }}|{{ 'x' | safe }}", "[1, 2, 'a']|x")]
    [InlineData("{{ 'a\nb\n\nc' | indent(2) }}|{{ 'a\nb' | indent(first=true) }}|{{ 'a\n\nb' | indent(2, blank=true) }}|{{ 'a\nb' | indent('>') }}", "a\n  b\n\n  c|    a\n    b|a\n  \n  b|a\n>b")]
    [InlineData("{{ -3 | abs }}{{ -2.5 | abs }}|{{ xs | reverse | list }}{{ 'abc' | reverse }}", "32.5|[2, 1, 3]cba")]
    [InlineData("{{ ['b', 'A', 'c'] | sort }}{{ ['b', 'A', 'c'] | sort(case_sensitive=true) }}{{ xs | sort(reverse=true) }}{{ people | sort(attribute='age') | map(attribute='name') | list }}", "['A', 'b', 'c']['A', 'b', 'c'][3, 2, 1]['bob', 'Ann', 'Cy']")]
    [InlineData("{{ d | dictsort }}{{ d | dictsort(by='value', reverse=true) }}", "[('a', 1), ('b', 2)][('b', 2), ('a', 1)]")]
    [InlineData("{{ '<a href=\"x\">&\\'' | escape }}{{ '<b>' | e }}", "&lt;a href=&#34;x&#34;&gt;&amp;&#39;&lt;b&gt;")]
    [InlineData("{{ 'one two, three! four_five' | wordcount }}", "4")]
    [InlineData("{{ xs | min }}{{ xs | max }}{{ xs | sum }}{{ people | sum(attribute='age') }}", "13685")]
    [InlineData("{{ '%s is %d years, %05.1f%%' | format('Ann', 30, 3.14159) }}|{{ '%s-%s' % (1, 'a') }}|{{ '%r' % 'q' }}", "Ann is 30 years, 003.1%|1-a|'q'")]
    [InlineData("{{ missing is defined }}{{ missing is undefined }}{{ n is none }}{{ n is not none }}{{ 's' is string }}{{ 1 is number }}{{ true is number }}{{ 1.5 is number }}", "FalseTrueTrueFalseTrueTrueTrueTrue")]
    [InlineData("{{ d is mapping }}{{ xs is mapping }}{{ 'a' is iterable }}{{ 1 is iterable }}{{ xs is sequence }}{{ true is boolean }}{{ 1 is boolean }}{{ true is true }}{{ 1 is true }}{{ false is false }}", "TrueFalseTrueFalseTrueTrueFalseTrueFalseTrue")]
    [InlineData("{{ 3 is odd }}{{ 3 is even }}{{ 9 is divisibleby 3 }}{{ 9 is divisibleby(4) }}{{ 2 is equalto 2 }}{{ 2 is in xs }}{{ 1 is integer }}{{ 1.0 is float }}", "TrueFalseTrueFalseTrueTrueTrueTrue")]
    [InlineData("{{ 'abc' is lower }}{{ 'ABC' is upper }}{{ 'x' is ne 'y' }}{{ 3 is gt 2 }}{{ 3 is lt 2 }}{{ 'x' is sameas 'x' }}{{ none is sameas none }}", "TrueTrueTrueTrueFalseTrueTrue")]
    [InlineData("[{{ s.strip() }}][{{ s.lstrip() }}][{{ s.rstrip() }}][{{ 'xxhixx'.strip('x') }}][{{ '\\n\\nab\\n'.lstrip('\\n') }}]", "[Hello World][Hello World  ][  Hello World][hi][ab\n]")]
    [InlineData("{{ 'a b  c'.split() }}{{ 'a,b,,c'.split(',') }}{{ 'a b c'.split(None, 1) }}{{ 'a,b,c'.rsplit(',', 1) }}{{ 'a</think>b</think>c'.split('</think>')[-1] }}", "['a', 'b', 'c']['a', 'b', '', 'c']['a', 'b c']['a,b', 'c']c")]
    [InlineData("{{ 'hello'.startswith('he') }}{{ 'hello'.startswith(('x', 'hel')) }}{{ 'hello'.endswith('lo') }}{{ 'Hi'.upper() }}{{ 'Hi'.lower() }}{{ 'aXa'.replace('a', 'b', 1) }}{{ \"they're bill's\".title() }}", "TrueTrueTrueHIhibXaThey'Re Bill'S")]
    [InlineData("{{ '{} and {}'.format(1, 'b') }}|{{ '{0}{1}{0}'.format('x', 'y') }}|{{ '{name}!'.format(name='N') }}|{{ '{{literal}} {!r}'.format('q') }}", "1 and b|xyx|N!|{literal} 'q'")]
    [InlineData("{{ 'banana'.count('a') }}{{ 'banana'.find('n') }}{{ 'banana'.find('z') }}{{ 'banana'.rfind('a') }}{{ 'a\\nb\\r\\nc'.splitlines() }}{{ '-'.join(['a', 'b']) }}", "32-15['a', 'b', 'c']a-b")]
    [InlineData("{{ d.get('a') }}{{ d.get('z') }}{{ d.get('z', 9) }}{{ d.keys() | list }}{{ d.values() | list }}{{ d.items() | list }}{{ d['a'] }}{{ d.a }}", "1None9['b', 'a'][2, 1][('b', 2), ('a', 1)]11")]
    [InlineData("{{ [1, 2, 3, 4, 5][1:4] }}{{ [1, 2, 3, 4, 5][::2] }}{{ [1, 2, 3, 4, 5][::-1] }}{{ [1, 2, 3, 4, 5][-2:] }}{{ [1, 2, 3, 4, 5][4:1:-2] }}{{ 'hello'[-3:] }}{{ 'héllo'[1] }}{{ xs[-1] }}{{ xs[10] }}", "[2, 3, 4][1, 3, 5][5, 4, 3, 2, 1][4, 5][5, 3]lloé2")]
    [InlineData("{{ 1 ~ none ~ 'a' ~ 2.5 ~ true ~ missing }}", "1Nonea2.5True")]
    [InlineData("{{ 1 in xs }}{{ 5 not in xs }}{{ 'ell' in 'hello' }}{{ 'a' in d }}{{ 'z' in d }}{{ 'x' in missing }}", "TrueTrueTrueTrueFalseFalse")]
    [InlineData("{{ 7 // 2 }} {{ -7 // 2 }} {{ -7 % 3 }} {{ 7 % -3 }} {{ 7 / 2 }} {{ 4 / 2 }} {{ 2 ** 10 }} {{ 1 + 2.0 }} {{ 'ab' * 3 }} {{ [1] * 2 }} {{ 7.5 // 2 }} {{ -1.5 % 1 }}", "3 -4 2 -2 3.5 2.0 1024 3.0 ababab [1, 1] 3.0 0.5")]
    [InlineData("{{ 1 < 2 < 3 }}{{ 1 < 3 < 2 }}{{ 1 == 1.0 }}{{ true == 1 }}{{ 'a' < 'b' }}{{ [1, 2] < [1, 3] }}{{ none == none }}{{ 'a' != 'a' }}", "TrueFalseTrueTrueTrueTrueTrueFalse")]
    [InlineData("{{ 'yes' if xs else 'no' }}[{{ 'x' if false }}]{{ 1 if n is none else 2 }}", "yes[]1")]
    [InlineData("{{ not true }}{{ not 0 }}{{ true and 'x' }}{{ 0 or 'y' }}{{ none or 0 }}{{ -xs[0] }}{{ +1 }}", "FalseTruexy0-31")]
    [InlineData("{{ {'a': 1, 'b': [1, 'x', none, true, 1.5]} }}{{ (1,) }}{{ (1, 'a') }}{{ () }}{{ [] }}{{ \"it's\" }}{{ ['it\\'s', \"q\\\"\"] }}", "{'a': 1, 'b': [1, 'x', None, True, 1.5]}(1,)(1, 'a')()[]it's[\"it's\", 'q\"']")]
    [InlineData("{{ 'a\\tb\\u00e9\\x41\\\\' }}{{ \"x\" 'y' }}", "a\tbéA\\xy")]
    [InlineData("{{ 1.0 }} {{ 1e20 }} {{ 0.1 + 0.2 }} {{ 1 / 3 }} {{ 1e-5 }} {{ 123456789012345678.0 }} {{ 0.0001 }} {{ -2.5e-7 }} {{ 1e16 }} {{ 1_000 }}", "1.0 1e+20 0.30000000000000004 0.3333333333333333 1e-05 1.2345678901234568e+17 0.0001 -2.5e-07 1e+16 1000")]
    [InlineData("{{ range(3) | list }}{{ range(1, 7, 2) | list }}{{ dict(a=1) }}{% for i in range(2) %}{{ i }}{% endfor %}", "[0, 1, 2][1, 3, 5]{'a': 1}01")]
    [InlineData("[{{ missing }}][{{ d.missing }}][{{ missing | length }}][{% for x in missing %}x{% endfor %}][{{ missing | list }}][{{ n }}]", "[][][0][][[]][None]")]
    [InlineData("{{ xs.missing }}{{ 'abc'.nothing }}{{ xs[1].x }}", "")]
    [InlineData("{% for i in [1, 2, 3] %}{% if i > 1 %}{{ x }}{% endif %}{% set x = i %}{% endfor %}", "")]
    [InlineData("{% set x = 'o' %}{% for i in [1, 2] %}{{ x }}{% set x = i %}{% endfor %}{{ x }}", "ooo")]
    [InlineData("{% for i in [1, 2] %}{% set y = i %}{% for j in [1, 2] %}{{ y }}{% set y = j * 10 %}{% endfor %}{% endfor %}", "1122")]
    [InlineData("{% set x = 'outer' %}{% for i in [1] %}{{ x }}{% set x = 'inner' %}{{ x }}{% endfor %}{{ x }}", "outerinnerouter")]
    [InlineData("{% macro m() %}{{ g }}{% endmacro %}{% set g = 1 %}{{ m() }}", "1")]
    [InlineData("{% set g = 1 %}{% macro m() %}{% set g = 2 %}{{ g }}{% endmacro %}{{ m() }}{{ g }}", "21")]
    [InlineData("{% for x in xs %}{{ loop.cycle('a', 'b') }}{% endfor %}", "aba")]
    [InlineData("  {{ 'x' }}  \nnext", "  x  \nnext")]
    [InlineData("{% if true %}  \n{% endif %}end", "  \nend")]
    [InlineData("text\n    {%- if true %}\n    x\n    {%- endif %}\nafter", "text    xafter")]
    [InlineData("{%- for m in xs -%}\n  {{ m }}\n{%- endfor -%}", "312")]
    [InlineData("a {% if true %} b {% endif %} c", "a  b  c")]
    [InlineData("\t{% if true %}x{% endif %}", "x")]
    [InlineData("{{ '{{' }}{{ '}}' }}{{ {'a': {'b': 1}} }}", "{{}}{'a': {'b': 1}}")]
    [InlineData("{#- comment with {{ x }} inside -#}  after", "after")]
    [InlineData("{% set x = [1, 2,] %}{{ x }}{{ (1, 2,) }}{{ {'a': 1,} }}", "[1, 2](1, 2){'a': 1}")]
    [InlineData("{{ xs|length > 2 and xs[0] == 3 }}{{ not xs|length }}{{ -2 ** 2 }}{{ 10 - 2 - 3 }}{{ 2 ** 3 ** 2 }}", "TrueFalse4564")]
    [InlineData("{{ 1 if true else 2 if false else 3 }}{{ xs[0:2] | join }}{{ 'abc'[::-1] }}{{ (xs | first) + 1 }}", "131cba4")]
    [InlineData("{{ d | tojson(indent=2) }}|{{ {'a': [1, {'b': []}]} | tojson(indent=2) }}|{{ d | tojson(separators=(',', ':')) }}", "{\n  \"b\": 2,\n  \"a\": 1\n}|{\n  \"a\": [\n    1,\n    {\n      \"b\": []\n    }\n  ]\n}|{\"b\":2,\"a\":1}")]
    [InlineData("{{ 'x' ~ xs }}{{ [1, 'a'] | string }}{{ 3.0 | int }}{{ true | int }}{{ none | int }}", "x[3, 1, 2][1, 'a']310")]
    [InlineData("{{ 2.0 * 3 }} {{ 7 // 2.0 }} {{ 0.1 * 3 }} {{ 1e100 }} {{ 5e-324 }} {{ 100.0 }} {{ 1234567890123456.0 }} {{ 1e15 }} {{ 12345.678 }}", "6.0 3.0 0.30000000000000004 1e+100 5e-324 100.0 1234567890123456.0 1000000000000000.0 12345.678")]
    [InlineData("{{ '%.2f' % 3.14159 }}{{ 'a,b' is string }}{{ ['1', '2'] | map('int') | sum }}", "3.14True3")]
    [InlineData("{% for k, v in d | dictsort %}{{ k }}{{ v }}{% endfor %}{% for a, b in [[1, 2], [3, 4]] %}{{ a + b }}{% endfor %}", "a1b237")]
    [InlineData("{{ messages }}|{{ messages | length }}", "[]|0")]
    [InlineData("{%- set sys = xs | first -%}\n{{- sys -}}\n\n{%- if sys %}\n  yes\n{% endif -%}\nend", "3  yes\nend")]
    public void Construct_RendersLikePythonJinja2(string source, string expected)
    {
        Render(source).Should().Be(expected);
    }
}

{#- The few expressions DuckDB and Spark spell differently, one macro each (adapter.dispatch),
    so every model has one definition on both engines. -#}

{#- array elements for which `predicate` (over `var`) holds -#}
{% macro array_filter(array, var, predicate) -%}
    {{ return(adapter.dispatch('array_filter')(array, var, predicate)) }}
{%- endmacro %}
{% macro default__array_filter(array, var, predicate) -%}
    list_filter({{ array }}, lambda {{ var }}: {{ predicate }})
{%- endmacro %}
{% macro spark__array_filter(array, var, predicate) -%}
    filter({{ array }}, {{ var }} -> {{ predicate }})
{%- endmacro %}

{#- `expression` (over `var`) of each array element -#}
{% macro array_transform(array, var, expression) -%}
    {{ return(adapter.dispatch('array_transform')(array, var, expression)) }}
{%- endmacro %}
{% macro default__array_transform(array, var, expression) -%}
    list_transform({{ array }}, lambda {{ var }}: {{ expression }})
{%- endmacro %}
{% macro spark__array_transform(array, var, expression) -%}
    transform({{ array }}, {{ var }} -> {{ expression }})
{%- endmacro %}

{#- text split on a literal separator, as an array -#}
{% macro split_text(text, separator) -%}
    {{ return(adapter.dispatch('split_text')(text, separator)) }}
{%- endmacro %}
{% macro default__split_text(text, separator) -%}
    string_split({{ text }}, {{ separator }})
{%- endmacro %}
{% macro spark__split_text(text, separator) -%}
    split({{ text }}, concat('\Q', {{ separator }}, '\E'))
{%- endmacro %}

{#- whether `pattern` (a regular expression) matches anywhere in `text` -#}
{% macro regexp_found(text, pattern) -%}
    {{ return(adapter.dispatch('regexp_found')(text, pattern)) }}
{%- endmacro %}
{% macro default__regexp_found(text, pattern) -%}
    regexp_matches({{ text }}, {{ pattern }})
{%- endmacro %}
{% macro spark__regexp_found(text, pattern) -%}
    regexp_like({{ text }}, {{ pattern }})
{%- endmacro %}

{#- one row per element of an array, in a select list -#}
{% macro each_element(array) -%}
    {{ return(adapter.dispatch('each_element')(array)) }}
{%- endmacro %}
{% macro default__each_element(array) -%}
    unnest({{ array }})
{%- endmacro %}
{% macro spark__each_element(array) -%}
    explode({{ array }})
{%- endmacro %}

{#- after `from <relation>`: the relation's rows once per element of its `array`, the element
    as `alias`.`column` -#}
{% macro join_each_element(array, alias, column) -%}
    {{ return(adapter.dispatch('join_each_element')(array, alias, column)) }}
{%- endmacro %}
{% macro default__join_each_element(array, alias, column) -%}
    cross join unnest({{ array }}) as {{ alias }} ({{ column }})
{%- endmacro %}
{% macro spark__join_each_element(array, alias, column) -%}
    lateral view explode({{ array }}) {{ alias }} as {{ column }}
{%- endmacro %}

{#- an empty array of text -#}
{% macro empty_text_array() -%}
    {{ return(adapter.dispatch('empty_text_array')()) }}
{%- endmacro %}
{% macro default__empty_text_array() -%}
    []
{%- endmacro %}
{% macro spark__empty_text_array() -%}
    cast(array() as array<string>)
{%- endmacro %}

{#- an array's n-th element, counting from 1; null past its end -#}
{% macro array_element(array, n) -%}
    {{ return(adapter.dispatch('array_element')(array, n)) }}
{%- endmacro %}
{% macro default__array_element(array, n) -%}
    {{ array }}[{{ n }}]
{%- endmacro %}
{% macro spark__array_element(array, n) -%}
    try_element_at({{ array }}, {{ n }})
{%- endmacro %}

{#- every column of `relation` but `columns` -#}
{% macro star_except(relation, columns) -%}
    {{ return(adapter.dispatch('star_except')(relation, columns)) }}
{%- endmacro %}
{% macro default__star_except(relation, columns) -%}
    {{ relation }}.* exclude ({{ columns | join(', ') }})
{%- endmacro %}
{% macro spark__star_except(relation, columns) -%}
    {{ relation }}.* except ({{ columns | join(', ') }})
{%- endmacro %}

{#- a date or timestamp as text, `format` in strftime notation (%Y %m %d %H %M %S) -#}
{% macro format_time(value, format) -%}
    {{ return(adapter.dispatch('format_time')(value, format)) }}
{%- endmacro %}
{% macro default__format_time(value, format) -%}
    strftime({{ value }}, '{{ format }}')
{%- endmacro %}
{% macro spark__format_time(value, format) -%}
    {%- set pattern = format | replace('%Y', 'yyyy') | replace('%m', 'MM') | replace('%d', 'dd')
        | replace('%H', 'HH') | replace('%M', 'mm') | replace('%S', 'ss') -%}
    date_format({{ value }}, '{{ pattern }}')
{%- endmacro %}

{#- the first day of a date's month, as a date -#}
{% macro month_start(value) -%}
    {{ return(adapter.dispatch('month_start')(value)) }}
{%- endmacro %}
{% macro default__month_start(value) -%}
    date_trunc('month', {{ value }})
{%- endmacro %}
{% macro spark__month_start(value) -%}
    trunc({{ value }}, 'MM')
{%- endmacro %}

{#- aggregate: the distinct values of `value` (never null), sorted, as an array -#}
{% macro sorted_distinct_array(value) -%}
    {{ return(adapter.dispatch('sorted_distinct_array')(value)) }}
{%- endmacro %}
{% macro default__sorted_distinct_array(value) -%}
    list(distinct {{ value }} order by {{ value }})
{%- endmacro %}
{% macro spark__sorted_distinct_array(value) -%}
    array_sort(collect_set({{ value }}))
{%- endmacro %}

{#- aggregate: the distinct values of `value` over the rows where `condition` holds, sorted and
    joined by `separator`; null when there are none -#}
{% macro sorted_distinct_text(value, separator, condition) -%}
    {{ return(adapter.dispatch('sorted_distinct_text')(value, separator, condition)) }}
{%- endmacro %}
{% macro default__sorted_distinct_text(value, separator, condition) -%}
    string_agg(distinct {{ value }}, {{ separator }} order by {{ value }})
    filter (where {{ condition }})
{%- endmacro %}
{% macro spark__sorted_distinct_text(value, separator, condition) -%}
    nullif(array_join(array_sort(collect_set({{ value }}) filter (where {{ condition }})), {{ separator }}), '')
{%- endmacro %}

{#- Unit-test fixtures: dbt renders a YAML list value as `['a', 'b']`, which DuckDB reads as a
    list and Spark cannot parse. On Spark, a list becomes array('a', 'b'); any other value is cast as
    dbt-spark's own spark__safe_cast does. -#}
{% macro spark__safe_cast(field, type) -%}
    {%- if field is iterable and field is not string and field is not mapping -%}
        {%- set items = [] -%}
        {%- for item in field -%}
            {%- do items.append('null' if item is none else dbt.string_literal(dbt.escape_single_quotes(item | string))) -%}
        {%- endfor -%}
        cast(array({{ items | join(', ') }}) as {{ type }})
    {%- elif field is string and cast_from_string_unsupported_for(type) -%}
        cast({{ field.strip('"').strip("'") }} as {{ type }})
    {%- else -%}
        cast({{ field }} as {{ type }})
    {%- endif -%}
{%- endmacro %}

{#- numerator / denominator as a double; NULL when the denominator is not positive. -#}
{% macro ratio(numerator, denominator) -%}
    case
        when {{ denominator }} > 0
            then cast({{ numerator }} as double) / cast({{ denominator }} as double)
    end
{%- endmacro %}

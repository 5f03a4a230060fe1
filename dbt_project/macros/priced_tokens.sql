{#- Σ token bucket × the bucket's price per token (int_model_prices_resolved columns). -#}
{% macro priced_tokens(calls, prices) -%}
    {{ calls }}.input_tokens * {{ prices }}.input_usd_per_token
    + {{ calls }}.cache_read_tokens * {{ prices }}.cache_read_usd_per_token
    + {{ calls }}.cache_write_tokens * {{ prices }}.cache_write_usd_per_token
    + {{ calls }}.cache_write_1h_tokens * {{ prices }}.cache_write_1h_usd_per_token
    + {{ calls }}.output_tokens * {{ prices }}.output_usd_per_token
{%- endmacro %}

{#- The price row in force at a moment: valid_from <= moment < valid_until (open-ended). -#}
{% macro price_in_force(prices, moment) -%}
    {{ moment }} >= {{ prices }}.valid_from
    and ({{ prices }}.valid_until is null or {{ moment }} < {{ prices }}.valid_until)
{%- endmacro %}

{#- Σ token bucket × the bucket's price per token (int_model_prices_resolved columns).
    With tiers: a request whose input (every input bucket) exceeds the model's
    long_context_above_tokens is priced at the long-context prices, and a fast-mode request
    (speed = 'fast') at the fast multiplier, where the catalog has them. Aggregated usage
    buckets are never long-context: their requests' sizes are unknown. -#}
{% macro priced_tokens(calls, prices, tiers=true) -%}
    {%- set buckets = ['input', 'cache_read', 'cache_write', 'cache_write_1h', 'output'] -%}
    {%- set tokens = {'input': 'input_tokens', 'cache_read': 'cache_read_tokens',
                      'cache_write': 'cache_write_tokens',
                      'cache_write_1h': 'cache_write_1h_tokens', 'output': 'output_tokens'} -%}
    {%- if tiers -%}
    {%- set is_long -%}
        (not {{ calls }}.is_usage_export
         and {{ calls }}.input_tokens + {{ calls }}.cache_read_tokens
             + {{ calls }}.cache_write_tokens + {{ calls }}.cache_write_1h_tokens
             > {{ prices }}.long_context_above_tokens)
    {%- endset -%}
    (
        {%- for bucket in buckets %}
        {{ '+ ' if not loop.first }}{{ calls }}.{{ tokens[bucket] }} * case
            when {{ is_long }} then coalesce({{ prices }}.{{ bucket }}_long_usd_per_token,
                                             {{ prices }}.{{ bucket }}_usd_per_token)
            else {{ prices }}.{{ bucket }}_usd_per_token
        end
        {%- endfor %}
    ) * case
        when {{ calls }}.speed = 'fast' then coalesce({{ prices }}.fast_multiplier, 1)
        else 1
    end
    {%- else -%}
    {%- for bucket in buckets %}
    {{ '+ ' if not loop.first }}{{ calls }}.{{ tokens[bucket] }} * {{ prices }}.{{ bucket }}_usd_per_token
    {%- endfor %}
    {%- endif %}
{%- endmacro %}

{#- The price row in force at a moment: valid_from <= moment < valid_until (open-ended). -#}
{% macro price_in_force(prices, moment) -%}
    {{ moment }} >= {{ prices }}.valid_from
    and ({{ prices }}.valid_until is null or {{ moment }} < {{ prices }}.valid_until)
{%- endmacro %}

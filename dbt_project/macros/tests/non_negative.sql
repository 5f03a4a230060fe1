{#- Fails with one row per negative value: money, prices, weights and counts are >= 0. -#}
{% test non_negative(model, column_name) %}
    select {{ column_name }}
    from {{ model }}
    where {{ column_name }} < 0
{% endtest %}

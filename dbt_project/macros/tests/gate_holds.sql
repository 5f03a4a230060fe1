{#- Fails with one row per subject of a quality gate (models/marts/gates/) whose status is
    not 'pass'; the test's severity (the gate's <gate>_severity var) says warn or error. -#}
{% test gate_holds(model) %}
    select *
    from {{ model }}
    where status is null or status <> 'pass'
{% endtest %}

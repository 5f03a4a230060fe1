{#- The quality gates (models/marts/gates/, unioned in marts.data_quality). Each gate's
    severity is its own var, <gate>_severity (dbt_project.yml): a --vars dict replaces a
    whole top-level var, so one dict of severities could not be overridden one gate at a
    time, and yml test configs cannot call macros (each gate's yml reads the var itself). -#}
{% macro gate_severity(gate) -%}
    {%- set severity = var(gate ~ '_severity') | string | lower -%}
    {%- if severity not in ['error', 'warn'] -%}
        {{ exceptions.raise_compiler_error(
            "var " ~ gate ~ "_severity must be error or warn, not '" ~ severity ~ "'") }}
    {%- endif -%}
    {{ return(severity) }}
{%- endmacro %}

{#- A gate row's status: 'pass' within its threshold (observed_value at most the threshold,
    or at least it for a floor), else 'fail' for an error gate and 'warn' for a warning. -#}
{% macro gate_status(observed_value='observed_value', threshold='threshold',
                     severity='severity', floor=false) -%}
    case
        when {{ observed_value }} {{ '>=' if floor else '<=' }} {{ threshold }} then 'pass'
        when {{ severity }} = 'error' then 'fail'
        else 'warn'
    end
{%- endmacro %}

{#- When the run started: every gate measures at this instant (UTC wall clock). -#}
{% macro gate_measured_at() -%}
    cast('{{ run_started_at.strftime("%Y-%m-%d %H:%M:%S") }}' as timestamp)
{%- endmacro %}

{#-
  Provider logs spell one model many ways. Normalise to the catalog's spelling:
  lower case, no "<provider>/" prefix, no release-date suffix (-20250929 or -2024-08-06).
-#}
{% macro normalize_model_name(provider, model) -%}
    regexp_replace(
        regexp_replace(
            case
                when starts_with(lower(trim({{ model }})), lower(trim({{ provider }})) || '/')
                    then substr(lower(trim({{ model }})), length(trim({{ provider }})) + 2)
                else lower(trim({{ model }}))
            end,
            '-[0-9]{8}$', ''
        ),
        '-[0-9]{4}-[0-9]{2}-[0-9]{2}$', ''
    )
{%- endmacro %}

with people as (

    select * from {{ ref('stg_reference__people') }}

),

keys as (

    select
        lower(person_email) as identity_key,
        person_email
    from people
    union all
    select
        lower(alias_key.alias) as identity_key,
        people.person_email
    from people
    {{ join_each_element('people.aliases', 'alias_key', 'alias') }}

),

unambiguous as (

    -- An alias claimed by two people identifies neither; such calls stay unknown.
    select
        identity_key,
        min(person_email) as person_email
    from keys
    group by identity_key
    having count(distinct person_email) = 1

)

select * from unambiguous

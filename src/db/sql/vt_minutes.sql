-- Minutes for display in what SQL writes (live-event payloads): two decimals, as rules.ts `minutes`
-- says; test/component/sql-functions.test.ts checks the two agree.
create or replace function vt_minutes(p_seconds integer)
returns numeric
language sql immutable
as $function$
  select round(p_seconds / 60.0, 2)
$function$;

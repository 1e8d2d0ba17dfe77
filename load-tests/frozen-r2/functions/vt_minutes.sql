-- FROZEN: src/db/sql/vt_minutes.sql as of round 2 (identical on main from 1882c38 to 223ab76), table and function names qualified with vt_r2.
-- Do not update it with the service: it is the raw baseline's yardstick (see ../README.md).
-- Minutes for display in what SQL writes (live-event payloads): two decimals, as rules.ts `minutes`
-- says; test/component/sql-functions.test.ts checks the two agree.
create or replace function vt_r2.vt_minutes(p_seconds integer)
returns numeric
language sql immutable
as $function$
  select round(p_seconds / 60.0, 2)
$function$;

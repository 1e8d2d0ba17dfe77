-- FROZEN: src/db/sql/vt_interval_credit.sql as of round 2 (identical on main from 1882c38 to 223ab76), table and function names qualified with vt_r2.
-- Do not update it with the service: it is the raw baseline's yardstick (see ../README.md).
-- Seconds of [p_last, p_now] that count: at most 60 (a gap counts once, at most a beat's worth),
-- and while paused (p_paused_at set) only until the pause has lasted 300 s. SPEC §3 "Heartbeat credit".
create or replace function vt_r2.vt_interval_credit(p_last timestamptz, p_paused_at timestamptz, p_now timestamptz)
returns integer
language sql immutable
as $function$
  select greatest(0, round(least(
    extract(epoch from (p_now - p_last)),
    60,
    case when p_paused_at is null then 60 else extract(epoch from (p_paused_at + interval '300 seconds' - p_last)) end
  )))::integer
$function$;

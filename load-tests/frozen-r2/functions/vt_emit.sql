-- FROZEN: src/db/sql/vt_emit.sql as of round 2 (identical on main from 1882c38 to 223ab76), table and function names qualified with vt_r2.
-- Do not update it with the service: it is the raw baseline's yardstick (see ../README.md).
-- Writes live events (SPEC §3 "Live events") in the caller's transaction and wakes every process
-- (NOTIFY carries only the last id; the table is the source). Event ids follow commit order: the
-- advisory lock is held from here to the commit, so a transaction that took a lower id has
-- committed before one with a higher id can. Call it last in a transaction, so the lock is held
-- for as short as possible and never while waiting for a row lock.
create or replace function vt_r2.vt_emit(p_household uuid[], p_profile uuid[], p_type text[], p_payload jsonb[])
returns bigint
language plpgsql
as $function$
declare
  v_last bigint;
begin
  if coalesce(array_length(p_type, 1), 0) = 0 then
    return null;
  end if;
  perform pg_advisory_xact_lock(8535563112347432564); -- 'vtimeevt' as bytes
  with written as (
    insert into vt_r2.events (household_id, profile_id, type, payload, created_at)
    select e.h, e.p, e.t, e.d, clock_timestamp()
      from unnest(p_household, p_profile, p_type, p_payload) with ordinality as e(h, p, t, d, n)
     order by e.n
    returning id)
  select max(id) into v_last from written;
  perform pg_notify('vtime_events', v_last::text);
  return v_last;
end
$function$;

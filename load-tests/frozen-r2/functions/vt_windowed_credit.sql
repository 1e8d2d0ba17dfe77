-- FROZEN: src/db/sql/vt_windowed_credit.sql as of round 2 (identical on main from 1882c38 to 223ab76), table and function names qualified with vt_r2.
-- Do not update it with the service: it is the raw baseline's yardstick (see ../README.md).
-- The credit of a stretch (vt_interval_credit) counted only inside the day's allowed hours
-- (p_allowed: the day's instants; null: any time): a stream crossing a window's edge is credited
-- up to the edge (SPEC §3 "Allowed hours"). Windows are at least 15 minutes apart, so a stretch of
-- at most 60 s meets at most one of them.
create or replace function vt_r2.vt_windowed_credit(p_last timestamptz, p_paused_at timestamptz, p_now timestamptz, p_allowed tstzmultirange)
returns integer
language plpgsql immutable
as $function$
declare
  v_raw integer := vt_r2.vt_interval_credit(p_last, p_paused_at, p_now);
  v_in tstzmultirange;
begin
  if p_allowed is null or v_raw = 0 then
    return v_raw;
  end if;
  v_in := p_allowed * tstzmultirange(tstzrange(p_last, p_last + make_interval(secs => v_raw)));
  return coalesce(round(extract(epoch from upper(v_in) - lower(v_in)))::integer, 0);
end
$function$;

-- Extra time for the viewing day containing p_now: the ledger row, the balance
-- change and the live `grant` event commit together or not at all; p_request links the time
-- request the grant answers. Minutes add to bonus_seconds, so nothing is lost
-- when little was used; null minutes = unlimited today. need_day: as for vt_beat. A grant that
-- restores the allowance ends a budget grace running on the profile's session (SPEC §3a).
create or replace function vt_grant(
  p_profile uuid, p_granted_by uuid, p_minutes integer, p_device_id text, p_now timestamptz,
  p_day_date date, p_day_start timestamptz, p_day_end timestamptz, p_day_limit integer, p_day_exempt boolean,
  p_config_version integer, p_day_allowed text, p_day_ignores boolean, p_request uuid, p_day_break_after integer, p_day_break_minutes integer,
  p_day_weekly integer, p_day_week_end timestamptz, p_day_bank_cap integer, p_day_grace integer)
returns table (outcome text, grant_id uuid, reset_date text, day_end timestamptz, used_seconds integer, bonus_seconds integer,
               unlimited_override boolean, limit_minutes integer, remaining_seconds integer, config json)
language plpgsql
as $function$
#variable_conflict use_column
declare
  v_balance uuid;
begin
  v_balance := vt_today_row(p_profile, p_now, p_day_date, p_day_start, p_day_end, p_day_limit, p_day_exempt, p_config_version,
                            p_day_allowed::tstzmultirange, p_day_ignores, p_day_break_after, p_day_break_minutes, p_day_weekly, p_day_week_end,
                            p_day_bank_cap, p_day_grace);
  if v_balance is null then
    outcome := 'need_day'; config := vt_config_json(p_profile); return next; return;
  end if;
  update viewing_time_balances b set bonus_seconds = b.bonus_seconds + coalesce(p_minutes, 0) * 60,
         is_unlimited_override = b.is_unlimited_override or p_minutes is null, updated_at = p_now
   where b.id = v_balance
  returning b.reset_date::text, b.day_end, b.used_seconds, b.bonus_seconds, b.is_unlimited_override, b.limit_minutes,
            vt_remaining(b)
       into reset_date, day_end, used_seconds, bonus_seconds, unlimited_override, limit_minutes, remaining_seconds;
  if remaining_seconds is null or remaining_seconds > 0 then
    update viewing_sessions v set grace_until = null, grace_kind = null
     where v.profile_id = p_profile and v.ended_at is null and v.grace_kind = 'budget';
  end if;
  insert into time_grants as g (id, profile_id, granted_by_id, minutes, reset_date, device_id, granted_at, request_id)
  values (gen_random_uuid(), p_profile, p_granted_by, p_minutes, reset_date::date, p_device_id, p_now, p_request)
  returning g.id into grant_id;
  outcome := 'granted';
  perform vt_emit(array[p_granted_by], array[p_profile], array['grant'],
    array[jsonb_build_object('grant', jsonb_build_object('id', grant_id, 'minutes', p_minutes, 'unlimited', p_minutes is null, 'date', reset_date,
                                                         'request_id', p_request, 'granted_at', p_now),
                             'remaining_seconds', remaining_seconds, 'is_unlimited_override', unlimited_override, 'expires_at', day_end)]);
  return next;
end
$function$;

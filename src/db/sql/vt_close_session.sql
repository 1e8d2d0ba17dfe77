-- Ends a session the caller has locked: a stale one (no beat for the stale limit) at its last beat
-- with no credit, otherwise at p_now, crediting the stretch since its last beat once (inside the
-- day's allowed hours only, unless they do not apply to it): to the day's row for a kids profile
-- (nothing without one, nothing while a parent's pause runs), straight to the session for an adult.
create or replace function vt_close_session(
  p_session uuid, p_profile uuid, p_last timestamptz, p_paused_at timestamptz, p_educational boolean,
  p_kids boolean, p_balance uuid, p_now timestamptz, p_reason text)
returns void
language plpgsql
as $function$
declare
  v_granted integer;
  v_allowed tstzmultirange;
  v_ignores boolean;
begin
  if vt_is_stale(p_last, p_now) then
    update viewing_sessions v set ended_at = p_last, end_reason = 'stale' where v.id = p_session;
    return;
  end if;
  if p_kids and p_balance is not null then
    select b.allowed, b.educational_ignores_hours into v_allowed, v_ignores from viewing_time_balances b where b.id = p_balance;
    if p_educational and v_ignores then v_allowed := null; end if;
  end if;
  v_granted := vt_windowed_credit(p_last, p_paused_at, p_now, v_allowed);
  if p_kids and exists (select from vt_pause_of(p_profile, p_now)) then
    v_granted := 0;
  end if;
  if p_kids then
    v_granted := case when p_balance is null or v_granted = 0 then 0
                      else (select c.granted from vt_credit(array[p_balance], array[v_granted], array[p_educational], array[p_now]) c) end;
  end if;
  update viewing_sessions v set ended_at = p_now, end_reason = p_reason, total_seconds = v.total_seconds + v_granted
   where v.id = p_session;
end
$function$;

-- Group commit (SPEC §7): several heartbeats of one service process in one statement, one
-- transaction and one commit. Beat i of the arrays is vt_heartbeat's beat, answered as row `ord` = i,
-- in array order (the caller keeps each session's beats in seq order and sorts profiles, so that
-- concurrent batches lock rows in one order).
create or replace function vt_heartbeats(
  p_user uuid[], p_profile uuid[], p_session uuid[], p_title uuid[], p_device_id text[], p_device_type text[],
  p_paused boolean[], p_seq bigint[], p_now timestamptz[],
  p_day_date date[], p_day_start timestamptz[], p_day_end timestamptz[], p_day_limit integer[], p_day_exempt boolean[],
  p_config_version integer[])
returns table (ord integer, outcome text, session_id uuid, is_kids boolean, is_educational boolean, used_seconds integer,
               educational_seconds integer, bonus_seconds integer, unlimited_override boolean, limit_minutes integer,
               educational_exempt boolean, day_end timestamptz, remaining_seconds integer, config json)
language plpgsql
as $function$
begin
  for i in 1 .. coalesce(array_length(p_profile, 1), 0) loop
    return query select i, h.* from vt_heartbeat(
      p_user => p_user[i], p_profile => p_profile[i], p_session => p_session[i], p_title => p_title[i],
      p_device_id => p_device_id[i], p_device_type => p_device_type[i], p_paused => p_paused[i], p_seq => p_seq[i],
      p_now => p_now[i], p_day_date => p_day_date[i], p_day_start => p_day_start[i], p_day_end => p_day_end[i],
      p_day_limit => p_day_limit[i], p_day_exempt => p_day_exempt[i], p_config_version => p_config_version[i]) h;
  end loop;
end
$function$;

-- Claims one of a household's live-stream places, cluster-wide (at most p_limit open
-- streams per household). Streams of processes that stopped publishing their metrics for
-- p_fresh_seconds do not count (a process that died cannot close its own). Null: no place left.
create or replace function vt_open_stream(p_household uuid, p_stream uuid, p_process text, p_limit integer, p_fresh_seconds integer)
returns uuid
language plpgsql
as $function$
declare
  v_open integer;
begin
  perform pg_advisory_xact_lock(hashtextextended(p_household::text, 7626)); -- one opener per household at a time
  select count(*) into v_open from event_streams s
   where s.household_id = p_household
     and (s.process_key = p_process
          or s.process_key in (select m.process_key from metrics_snapshots m where m.updated_at > now() - make_interval(secs => p_fresh_seconds)));
  if v_open >= p_limit then
    return null;
  end if;
  insert into event_streams (id, household_id, process_key, opened_at) values (p_stream, p_household, p_process, now());
  return p_stream;
end
$function$;

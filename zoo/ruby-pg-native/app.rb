# Reports the libpq the pg gem's C extension was linked against, and with --selftest exercises
# the extension (encoders, decoders, libpq's own conninfo parser and escaping) without a server.
require "bundler/setup"
require "pg"

def selftest
  # libpq itself: its compiled-in connection defaults and its conninfo parser.
  defaults = PG::Connection.conndefaults_hash
  raise "no libpq defaults" unless defaults.key?(:host) && defaults.key?(:port)
  parsed = PG::Connection.conninfo_parse("host=db.invalid port=6543 dbname=zoo").to_h { |o| [o[:keyword], o[:val]] }
  raise "conninfo_parse: #{parsed.inspect}" unless parsed["port"] == "6543" && parsed["dbname"] == "zoo"
  raise "escape_string" unless PG::Connection.escape_string("it's") == "it''s"

  # The extension's coders, written in C.
  array = PG::TextEncoder::Array.new(elements_type: PG::TextEncoder::Integer.new).encode([1, 2, nil, 4])
  raise "array encoder: #{array}" unless array == "{1,2,NULL,4}"
  decoded = PG::TextDecoder::Array.new(elements_type: PG::TextDecoder::Integer.new).decode("{5,6,7}")
  raise "array decoder: #{decoded.inspect}" unless decoded == [5, 6, 7]
  raise "bytea" unless PG::TextDecoder::Bytea.new.decode("\\x7a6f6f") == "zoo"

  # A connection attempt to a socket that is not there fails in libpq, not in Ruby.
  begin
    PG.connect(host: "/nonexistent", connect_timeout: 1)
    raise "connected to nothing"
  rescue PG::ConnectionBad => e
    raise "unexpected libpq error: #{e.message}" unless e.message.include?("/nonexistent")
  end
  puts "selftest ok: pg #{PG::VERSION}, libpq #{PG.library_version}"
end

if ARGV.include?("--selftest")
  selftest
else
  ext = $LOADED_FEATURES.grep(/pg_ext\.so\z/).first
  puts "pg #{PG::VERSION} (#{ext}), libpq #{PG.library_version}, ruby #{RUBY_VERSION}"
end
